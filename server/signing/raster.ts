// A tiny anti-aliased rasteriser for the sample signature/seal PNGs: fills polygons (non-zero
// winding, 4×4 supersampling) and text drawn from TrueType glyph outlines via @cantoo/fontkit.
// Written here so generating test images needs no ImageMagick or canvas binary (TOOLCHAIN.md).
import { readFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import * as fontkit from '@cantoo/fontkit';

export type Point = [number, number];
export type Polygon = Point[];

export class Canvas {
  readonly coverage: Float32Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.coverage = new Float32Array(width * height);
  }

  /** Adds the union of the polygons (non-zero winding) to the coverage mask. */
  fill(polygons: Polygon[]): void {
    const SS = 4;
    const edges: { x0: number; y0: number; x1: number; y1: number; dir: number }[] = [];
    let minY = Infinity;
    let maxY = -Infinity;
    for (const poly of polygons) {
      for (let i = 0; i < poly.length; i++) {
        const [ax, ay] = poly[i]!;
        const [bx, by] = poly[(i + 1) % poly.length]!;
        if (ay === by) continue;
        edges.push(ay < by ? { x0: ax, y0: ay, x1: bx, y1: by, dir: 1 } : { x0: bx, y0: by, x1: ax, y1: ay, dir: -1 });
        minY = Math.min(minY, ay, by);
        maxY = Math.max(maxY, ay, by);
      }
    }
    const y0 = Math.max(0, Math.floor(minY));
    const y1 = Math.min(this.height - 1, Math.ceil(maxY));
    const row = new Float32Array(this.width);
    for (let py = y0; py <= y1; py++) {
      row.fill(0);
      for (let s = 0; s < SS; s++) {
        const sy = py + (s + 0.5) / SS;
        const xs: { x: number; dir: number }[] = [];
        for (const e of edges) {
          if (sy < e.y0 || sy >= e.y1) continue;
          xs.push({ x: e.x0 + ((sy - e.y0) * (e.x1 - e.x0)) / (e.y1 - e.y0), dir: e.dir });
        }
        xs.sort((a, b) => a.x - b.x);
        let wind = 0;
        for (let i = 0; i < xs.length - 1; i++) {
          wind += xs[i]!.dir;
          if (wind === 0) continue;
          this.span(row, xs[i]!.x, xs[i + 1]!.x, 1 / SS);
        }
      }
      const base = py * this.width;
      for (let x = 0; x < this.width; x++) {
        if (row[x]! > 0) this.coverage[base + x] = Math.min(1, this.coverage[base + x]! + row[x]!);
      }
    }
  }

  private span(row: Float32Array, a: number, b: number, weight: number): void {
    const l = Math.max(0, a);
    const r = Math.min(this.width, b);
    if (r <= l) return;
    const li = Math.floor(l);
    const ri = Math.floor(r);
    if (li === ri) {
      row[li]! += (r - l) * weight;
      return;
    }
    row[li]! += (li + 1 - l) * weight;
    for (let x = li + 1; x < ri && x < this.width; x++) row[x]! += weight;
    if (ri < this.width) row[ri]! += (r - ri) * weight;
  }

  toPng(rgb: [number, number, number]): Buffer {
    const png = new PNG({ width: this.width, height: this.height, colorType: 6 });
    for (let i = 0; i < this.coverage.length; i++) {
      png.data[i * 4] = rgb[0];
      png.data[i * 4 + 1] = rgb[1];
      png.data[i * 4 + 2] = rgb[2];
      png.data[i * 4 + 3] = Math.round(Math.min(1, this.coverage[i]!) * 255);
    }
    return PNG.sync.write(png, { colorType: 6 });
  }
}

/** Circle as a polygon; `clockwise` flips orientation so a ring is outer minus inner. */
export function circle(cx: number, cy: number, r: number, clockwise = false, steps = 180): Polygon {
  const pts: Polygon = [];
  for (let i = 0; i < steps; i++) {
    const t = ((clockwise ? -1 : 1) * 2 * Math.PI * i) / steps;
    pts.push([cx + r * Math.cos(t), cy + r * Math.sin(t)]);
  }
  return pts;
}

export function ring(cx: number, cy: number, rOuter: number, rInner: number): Polygon[] {
  return [circle(cx, cy, rOuter), circle(cx, cy, rInner, true)];
}

/** A thick polyline: one quad per segment plus round joints, all the same orientation. */
export function stroke(points: Point[], width: number): Polygon[] {
  const out: Polygon[] = [];
  const h = width / 2;
  for (let i = 0; i < points.length - 1; i++) {
    const [ax, ay] = points[i]!;
    const [bx, by] = points[i + 1]!;
    const len = Math.hypot(bx - ax, by - ay) || 1;
    const nx = (-(by - ay) / len) * h;
    const ny = ((bx - ax) / len) * h;
    const quad: Polygon = [
      [ax + nx, ay + ny],
      [bx + nx, by + ny],
      [bx - nx, by - ny],
      [ax - nx, ay - ny],
    ];
    out.push(orient(quad));
    out.push(circle(bx, by, h, false, 16));
  }
  if (points[0]) out.push(circle(points[0][0], points[0][1], h, false, 16));
  return out;
}

function orient(poly: Polygon): Polygon {
  let area = 0;
  for (let i = 0; i < poly.length; i++) {
    const [ax, ay] = poly[i]!;
    const [bx, by] = poly[(i + 1) % poly.length]!;
    area += ax * by - bx * ay;
  }
  return area >= 0 ? poly : [...poly].reverse();
}

export function star(cx: number, cy: number, rOuter: number, rInner: number): Polygon {
  const pts: Polygon = [];
  for (let i = 0; i < 10; i++) {
    const r = i % 2 === 0 ? rOuter : rInner;
    const t = -Math.PI / 2 + (i * Math.PI) / 5;
    pts.push([cx + r * Math.cos(t), cy + r * Math.sin(t)]);
  }
  return orient(pts);
}

export interface FontHandle {
  font: fontkit.Font;
}

const fontCache = new Map<string, fontkit.Font>();
export function loadFont(path: string): fontkit.Font {
  let f = fontCache.get(path);
  if (!f) {
    f = fontkit.create(readFileSync(path)) as fontkit.Font;
    fontCache.set(path, f);
  }
  return f;
}

/** Width of `text` in pixels at `size` px. */
export function textWidth(font: fontkit.Font, text: string, size: number): number {
  const run = font.layout(text.normalize('NFC'));
  return (run.advanceWidth * size) / font.unitsPerEm;
}

/**
 * Glyph outlines of `text`, placed by `place(advanceX)` which returns the pixel origin and rotation
 * for the glyph whose pen position is `advanceX` (pixels along the baseline). Lets the seal bend text
 * around its ring while straight text uses a constant placement.
 */
export function textPolygons(
  font: fontkit.Font,
  text: string,
  size: number,
  place: (advanceX: number, glyphWidth: number) => { x: number; y: number; angle: number },
  slant = 0,
): Polygon[] {
  const run = font.layout(text.normalize('NFC'));
  const scale = size / font.unitsPerEm;
  const polys: Polygon[] = [];
  let pen = 0;
  run.glyphs.forEach((glyph, i) => {
    const pos = run.positions![i]!;
    const gw = pos.xAdvance * scale;
    const { x, y, angle } = place(pen + pos.xOffset * scale, gw);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    // Font units: y up; canvas: y down.
    const tf = (gx: number, gy: number): Point => {
      const lx = gx * scale + slant * gy * scale;
      const ly = -gy * scale - pos.yOffset * scale;
      return [x + lx * cos - ly * sin, y + lx * sin + ly * cos];
    };
    let current: Polygon = [];
    let last: [number, number] = [0, 0];
    const flush = () => {
      if (current.length > 2) polys.push(current);
      current = [];
    };
    for (const c of glyph.path.commands) {
      const a = c.args as number[];
      switch (c.command) {
        case 'moveTo':
          flush();
          last = [a[0]!, a[1]!];
          current.push(tf(last[0], last[1]));
          break;
        case 'lineTo':
          last = [a[0]!, a[1]!];
          current.push(tf(last[0], last[1]));
          break;
        case 'quadraticCurveTo':
          for (let k = 1; k <= 8; k++) {
            const t = k / 8;
            const u = 1 - t;
            const px = u * u * last[0] + 2 * u * t * a[0]! + t * t * a[2]!;
            const py = u * u * last[1] + 2 * u * t * a[1]! + t * t * a[3]!;
            current.push(tf(px, py));
          }
          last = [a[2]!, a[3]!];
          break;
        case 'bezierCurveTo':
          for (let k = 1; k <= 10; k++) {
            const t = k / 10;
            const u = 1 - t;
            const px = u * u * u * last[0] + 3 * u * u * t * a[0]! + 3 * u * t * t * a[2]! + t * t * t * a[4]!;
            const py = u * u * u * last[1] + 3 * u * u * t * a[1]! + 3 * u * t * t * a[3]! + t * t * t * a[5]!;
            current.push(tf(px, py));
          }
          last = [a[4]!, a[5]!];
          break;
        case 'closePath':
          flush();
          break;
      }
    }
    flush();
    pen += gw;
  });
  return polys;
}
