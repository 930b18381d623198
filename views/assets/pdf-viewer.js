// In-page PDF viewer (pdfjs-dist, its worker; no eval, no document scripting): leaders read
// documents without printing them. Loaded only on pages that show a PDF.
import * as pdfjs from '/assets/pdfjs/pdf.min.mjs';

pdfjs.GlobalWorkerOptions.workerSrc = '/assets/pdfjs/pdf.worker.min.mjs';

async function show(container) {
  const src = container.getAttribute('data-pdf-src');
  const doc = await pdfjs.getDocument({ url: src, isEvalSupported: false, enableXfa: false }).promise;
  container.querySelector('.pdf-fallback')?.remove();
  const width = Math.min(container.clientWidth || 800, 1000);
  for (let n = 1; n <= Math.min(doc.numPages, 30); n++) {
    const page = await doc.getPage(n);
    const base = page.getViewport({ scale: 1 });
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({ scale: (width / base.width) * ratio });
    const canvas = document.createElement('canvas');
    canvas.width = viewport.width;
    canvas.height = viewport.height;
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', 'Trang ' + n + ' / ' + doc.numPages);
    container.appendChild(canvas);
    await page.render({ canvasContext: canvas.getContext('2d'), viewport }).promise;
  }
}

document.querySelectorAll('.pdf-viewer[data-pdf-src]').forEach((el) => {
  show(el).catch(() => {
    const p = el.querySelector('.pdf-fallback');
    if (p) p.textContent = 'Không hiển thị được bản xem trước; hãy mở tệp PDF.';
  });
});
