// Work every signature used to repeat, done once per process: parsing the TrueType font (fontkit),
// serialising the same font subset again and again, decoding and re-compressing the same
// signature/seal PNG. A document still gets its own pdf-lib subset embedder (glyph numbering is
// per subset), but over a font parsed once, and its serialised subset is reused from a scratch PDF
// context when an earlier document needed the same glyphs in the same order; the objects are copied
// in with pdf-lib's PDFObjectCopier. Images are embedded once per distinct PNG and copied the same
// way. Everything drawn still goes through pdf-lib's embedders: the output is what pdf-lib writes.
import { createHash } from 'node:crypto';
import { CustomFontSubsetEmbedder, PDFContext, PDFObjectCopier, PngEmbedder, type PDFHexString, type PDFRef } from '@cantoo/pdf-lib';
import fontkit from '@cantoo/fontkit';

/** What an appearance stream needs from a font. */
export interface AppearanceFont {
  ref: PDFRef;
  encodeText(text: string): PDFHexString;
  widthOfTextAtSize(text: string, size: number): number;
}

interface FontkitFont {
  layout(text: string, features?: unknown): { glyphs: { id: number }[] };
}
type SubsetCtor = new (font: unknown, fontData: Uint8Array, customName?: string, features?: unknown) => CustomFontSubsetEmbedder;

// Digits and separators of numbers, dates and ISO times, encoded first in every subset: the glyph
// numbering of a document's subset then depends only on its fixed strings (agency name, notation),
// so documents of one agency share one serialised subset whatever their times and numbers.
const PRIMED = '0123456789 +-:/.,TZ';
const parsedFonts = new Map<string, Promise<{ font: unknown; bytes: Uint8Array }>>();
const serialised = new Map<string, Promise<{ scratch: PDFContext; ref: PDFRef }>>();
const MAX_SUBSETS = 256;

const MAX_RUNS = 1024;

/**
 * Remembers the font's layout (shaping: glyph choice, kerning, mark positioning) of the strings it
 * was last asked for. A signature lays out each of its strings three or four times (measured to
 * place the box, measured again to align it, encoded for the subset and for the content stream) and
 * most strings recur from one signature to the next (the primed digits, a notation, an agency name,
 * the time within its second); a layout depends on the font and the string only. Callers read the
 * glyph runs and never change them.
 */
function memoiseLayout(font: FontkitFont): FontkitFont {
  const layout = font.layout.bind(font);
  const runs = new Map<string, ReturnType<FontkitFont['layout']>>();
  font.layout = (text: string, features?: unknown) => {
    if (features !== undefined) return layout(text, features);
    let run = runs.get(text);
    if (!run) {
      run = layout(text);
      if (runs.size >= MAX_RUNS) runs.delete(runs.keys().next().value!);
      runs.set(text, run);
    }
    return run;
  };
  return font;
}

function parsedFont(key: string, fontBytes: () => Uint8Array): Promise<{ font: unknown; bytes: Uint8Array }> {
  let f = parsedFonts.get(key);
  if (!f) {
    const bytes = fontBytes();
    f = Promise.resolve(fontkit.create(bytes)).then((font) => ({ font: memoiseLayout(font as unknown as FontkitFont), bytes }));
    f.catch(() => parsedFonts.delete(key));
    parsedFonts.set(key, f);
  }
  return f;
}

/** One document's use of one font: pdf-lib's subset embedder over a font parsed once per process. */
class DocumentSubset {
  /** Glyph ids in the order the subset numbers them: the cache key of the serialised subset. */
  private readonly order: number[] = [];
  private readonly seen = new Set<number>();

  constructor(
    private readonly key: string,
    private readonly font: FontkitFont,
    private readonly embedder: CustomFontSubsetEmbedder,
    readonly ref: PDFRef,
  ) {
    this.encodeText(PRIMED);
  }

  encodeText(text: string): PDFHexString {
    for (const g of this.font.layout(text, this.embedder.fontFeatures).glyphs) {
      if (!this.seen.has(g.id)) {
        this.seen.add(g.id);
        this.order.push(g.id);
      }
    }
    return this.embedder.encodeText(text);
  }

  widthOfTextAtSize(text: string, size: number): number {
    return this.embedder.widthOfTextAtSize(text, size);
  }

  /** Copies the serialised subset into `dest` (serialising it once per distinct glyph list). */
  async copyInto(dest: PDFContext): Promise<void> {
    const cacheKey = `${this.key}:${this.order.join(',')}`;
    let done = serialised.get(cacheKey);
    if (!done) {
      done = (async () => {
        const scratch = PDFContext.create();
        const ref = scratch.nextRef();
        await this.embedder.embedIntoContext(scratch, ref);
        return { scratch, ref };
      })();
      done.catch(() => serialised.delete(cacheKey));
      if (serialised.size >= MAX_SUBSETS) serialised.delete(serialised.keys().next().value!);
      serialised.set(cacheKey, done);
    }
    const { scratch, ref } = await done;
    dest.assign(this.ref, PDFObjectCopier.for(scratch, dest).copy(scratch.lookup(ref)!));
  }
}

/** Font handles for one document: each style gets a ref now and its objects at `flush`. */
export class DocumentFonts {
  private readonly used = new Map<string, DocumentSubset>();

  constructor(private readonly context: PDFContext) {}

  async font(key: string, fontBytes: () => Uint8Array): Promise<AppearanceFont> {
    let u = this.used.get(key);
    if (!u) {
      const { font, bytes } = await parsedFont(key, fontBytes);
      const embedder = new (CustomFontSubsetEmbedder as unknown as SubsetCtor)(font, bytes);
      u = new DocumentSubset(key, font as FontkitFont, embedder, this.context.nextRef());
      this.used.set(key, u);
    }
    const sub = u;
    return { ref: sub.ref, encodeText: (t) => sub.encodeText(t), widthOfTextAtSize: (t, s) => sub.widthOfTextAtSize(t, s) };
  }

  /** Writes the fonts' objects into the document; call after the last encodeText, before saving. */
  async flush(): Promise<void> {
    for (const sub of this.used.values()) await sub.copyInto(this.context);
  }
}

interface EmbeddedImage {
  scratch: PDFContext;
  ref: PDFRef;
}
const images = new Map<string, Promise<EmbeddedImage>>();
const MAX_IMAGES = 64;

/** A PNG as an image XObject in `dest` (decoded and compressed once per distinct PNG). */
export async function embedPngCached(dest: PDFContext, png: Uint8Array): Promise<PDFRef> {
  const key = createHash('sha256').update(png).digest('base64');
  let img = images.get(key);
  if (!img) {
    img = (async () => {
      const scratch = PDFContext.create();
      const ref = scratch.nextRef();
      await (await PngEmbedder.for(png)).embedIntoContext(scratch, ref);
      return { scratch, ref };
    })();
    img.catch(() => images.delete(key));
    if (images.size >= MAX_IMAGES) images.delete(images.keys().next().value!);
    images.set(key, img);
  }
  const { scratch, ref } = await img;
  const copied = PDFObjectCopier.for(scratch, dest).copy(scratch.lookup(ref)!);
  return dest.register(copied);
}
