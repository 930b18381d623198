// Real PDFs for tests, made with pdf-lib (no fake bytes where a real file can be made).
import { PDFDocument, StandardFonts } from '@cantoo/pdf-lib';

export async function makePdf(lines: string[] = ['VanThu test document'], pages = 1): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.TimesRoman);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([595.28, 841.89]);
    lines.forEach((line, i) => page.drawText(line, { x: 60, y: 780 - i * 18, size: 12, font }));
  }
  return Buffer.from(await doc.save());
}
