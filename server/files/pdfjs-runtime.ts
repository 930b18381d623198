// pdfjs-dist's legacy build (the one that runs on Node 20, TOOLCHAIN.md) bundles core-js, which on
// load replaces built-ins of the whole process with JavaScript polyfills because Node 20's V8 fails
// conformance checks pdfjs does not depend on: Array.prototype.push (an edge case of a non-writable
// `length`) and JSON.stringify / JSON.parse (the JSON.rawJSON and parse-with-source proposals).
// Once the first PDF was opened, every push and every JSON.stringify of the process — pg, Kysely,
// Express, BullMQ, ours — ran about ten times slower (measured: 10 pushes 0.2 → 1.9 µs, a small
// object stringified 3.4 → 34.7 µs). The natives are put back as soon as pdfjs has loaded; what
// core-js only adds (Iterator helpers, Promise.withResolvers, Uint8Array base64…) stays, pdfjs uses it.

/** The built-ins as this process started (this module is loaded before any pdfjs import). */
const NATIVE = { push: Array.prototype.push, stringify: JSON.stringify, parse: JSON.parse };

/** A built-in method, not a polyfill. core-js makes its polyfills print as `[native code]`, but they
 *  are ordinary functions and carry a `prototype` property, which built-in methods never have. */
export const isNativeFunction = (f: unknown): boolean => typeof f === 'function' && !Object.prototype.hasOwnProperty.call(f, 'prototype') && Function.prototype.toString.call(f).includes('[native code]');

function putBack(target: object, key: string, native: unknown): void {
  // Only ever a native over a polyfill: if this module was somehow loaded after pdfjs, leave it be.
  if (!isNativeFunction(native) || (target as Record<string, unknown>)[key] === native) return;
  Object.defineProperty(target, key, { value: native, writable: true, enumerable: false, configurable: true });
}

/** After importing pdfjs-dist (both halves): the process's Array.prototype.push and JSON back to native. */
export function restoreNativeBuiltins(): void {
  putBack(Array.prototype, 'push', NATIVE.push);
  putBack(JSON, 'stringify', NATIVE.stringify);
  putBack(JSON, 'parse', NATIVE.parse);
}
