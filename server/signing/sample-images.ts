// Sample images for the test PKI: a blue handwritten-style signature and a red round seal, drawn
// as transparent PNGs. Decree 30/2020 Appendix I: the leader's image is blue, the agency's seal red,
// both PNG with transparent background; the seal is shown at its real size.
import { fileURLToPath } from 'node:url';
import { join, dirname } from 'node:path';
import { Canvas, circle, loadFont, ring, star, stroke, textPolygons, textWidth, type Point } from './raster.ts';

const FONTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'assets', 'fonts');
export const FONT_REGULAR = join(FONTS, 'LiberationSerif-Regular.ttf');
export const FONT_BOLD = join(FONTS, 'LiberationSerif-Bold.ttf');
export const FONT_ITALIC = join(FONTS, 'LiberationSerif-Italic.ttf');

/** Pixels per millimetre of the generated images (≈ 305 dpi). */
export const PX_PER_MM = 12;

/**
 * A handwriting-like signature: the signer's last given name in a slanted italic with a flourish
 * under it. 50 mm × 20 mm.
 */
export function drawSignaturePng(fullName: string): Buffer {
  const w = 50 * PX_PER_MM;
  const h = 20 * PX_PER_MM;
  const canvas = new Canvas(w, h);
  const font = loadFont(FONT_ITALIC);
  const words = fullName.normalize('NFC').trim().split(/\s+/);
  const word = words[words.length - 1] ?? fullName;
  const initials = words.slice(0, -1).map((x) => x[0]).join('');
  const text = `${initials ? `${initials}.` : ''}${word}`;
  let size = 120;
  while (textWidth(font, text, size) > w * 0.78) size -= 4;
  const angle = -0.12;
  const x0 = 30;
  const y0 = h * 0.68;
  canvas.fill(
    textPolygons(font, text, size, (adv) => ({ x: x0 + adv * Math.cos(angle), y: y0 + adv * Math.sin(angle), angle }), 0.18),
  );
  // Flourish: a loose underline that swings back, the usual end of a Vietnamese signature.
  const pts: Point[] = [];
  for (let i = 0; i <= 60; i++) {
    const t = i / 60;
    pts.push([25 + t * (w - 60), h * 0.82 - t * 55 + Math.sin(t * Math.PI * 2.2) * 14]);
  }
  canvas.fill(stroke(pts, 5));
  return canvas.toPng([16, 42, 170]);
}

/**
 * A round seal (con dấu) with the agency name around the ring and a star in the centre.
 * Diameter defaults to 36 mm, the size of a provincial People's Committee seal.
 */
export function drawSealPng(agencyName: string, diameterMm = 36): Buffer {
  const size = Math.round(diameterMm * PX_PER_MM);
  const c = size / 2;
  const canvas = new Canvas(size, size);
  const rOuter = c - 2;
  canvas.fill(ring(c, c, rOuter, rOuter - 0.09 * c));
  const rInner = c * 0.6;
  canvas.fill(ring(c, c, rInner, rInner - 0.025 * c));
  canvas.fill([star(c, c, c * 0.38, c * 0.15)]);

  const font = loadFont(FONT_BOLD);
  const text = agencyName.normalize('NFC').toLocaleUpperCase('vi');
  const baseR = c * 0.66;
  let fontSize = c * 0.2;
  const maxArc = 2 * Math.PI * 0.78;
  while (textWidth(font, text, fontSize) / baseR > maxArc && fontSize > 8) fontSize -= 1;
  const span = textWidth(font, text, fontSize) / baseR;
  const start = -Math.PI / 2 - span / 2;
  canvas.fill(
    textPolygons(font, text, fontSize, (adv, gw) => {
      const th = start + (adv + gw / 2) / baseR;
      const tx = -Math.sin(th);
      const ty = Math.cos(th);
      return { x: c + baseR * Math.cos(th) - (tx * gw) / 2, y: c + baseR * Math.sin(th) - (ty * gw) / 2, angle: th + Math.PI / 2 };
    }),
  );
  // Two small stars close the ring at the bottom, as on real seals.
  const starR = c * 0.055;
  for (const th of [Math.PI / 2 - 0.22, Math.PI / 2 + 0.22]) {
    canvas.fill([star(c + (baseR + fontSize * 0.35) * Math.cos(th), c + (baseR + fontSize * 0.35) * Math.sin(th), starR, starR * 0.4)]);
  }
  void circle;
  return canvas.toPng([214, 24, 32]);
}
