// Imported first by the startup snapshot's entry (signing-snapshot.ts); does nothing outside
// `node --build-snapshot`.
//
// Some libraries create a TextDecoder while their module initialises and keep it (fflate, under
// @cantoo/pdf-lib, even decodes with { stream: true } to probe for streaming support). In Node 20 such
// a decoder holds an ICU converter, a native object V8 cannot put in a snapshot: the build aborts
// ("global handle not serialized"). While the snapshot is built, TextDecoder is this class, which
// creates the real decoder when it is first used and drops it just before the heap is serialised;
// after the start from the snapshot the decoders made during the build create theirs again on
// first use, and every new one is Node's own (the global is put back before serialising).
import v8 from 'node:v8';

if (v8.startupSnapshot.isBuildingSnapshot()) {
  const NodeTextDecoder = globalThis.TextDecoder;
  type Args = ConstructorParameters<typeof TextDecoder>;
  type Decoder = InstanceType<typeof TextDecoder>;
  const made: WeakRef<SnapshotTextDecoder>[] = [];

  class SnapshotTextDecoder {
    readonly #args: Args;
    #real: Decoder | undefined;

    constructor(...args: Args) {
      this.#args = args;
      made.push(new WeakRef(this));
    }

    #decoder(): Decoder {
      this.#real ??= new NodeTextDecoder(...this.#args);
      return this.#real;
    }

    get encoding(): string {
      return this.#decoder().encoding;
    }

    get fatal(): boolean {
      return this.#decoder().fatal;
    }

    get ignoreBOM(): boolean {
      return this.#decoder().ignoreBOM;
    }

    decode(...args: Parameters<Decoder['decode']>): string {
      return this.#decoder().decode(...args);
    }

    /** Before serialisation: the converter goes (a stream in progress would be lost, none is). */
    release(): void {
      this.#real = undefined;
    }
  }

  // Node defines the global as a lazy accessor: replaced by a plain value, then put back as it was.
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'TextDecoder')!;
  Object.defineProperty(globalThis, 'TextDecoder', { value: SnapshotTextDecoder, writable: true, enumerable: false, configurable: true });
  v8.startupSnapshot.addSerializeCallback(() => {
    for (const ref of made) ref.deref()?.release();
    Object.defineProperty(globalThis, 'TextDecoder', descriptor);
  });
}
