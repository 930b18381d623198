// Signing progress and signature verdicts without a page reload (issue 4 item 9). Loaded as an
// external file (the CSP forbids inline scripts); may be included several times on one page.
(function () {
  'use strict';
  if (window.__vanthuSigningStatus) return;
  window.__vanthuSigningStatus = true;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { Accept: 'application/json' } }).then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status);
      return r.json();
    });
  }
  function later(fn, ms) { window.setTimeout(fn, ms); }

  // — a document's signing requests —
  var NOTES = {
    sign: { no_pdf: 'Dự thảo không có tệp PDF: ký duyệt chỉ ghi nhận người ký, không ký số trên tệp.', no_credential: 'Bạn chưa có chứng thư số trên hệ thống: ký duyệt chỉ ghi nhận người ký (ký trên giấy), không ký số trên tệp.', digital: 'Chữ ký số của bạn sẽ được đặt trên tệp PDF mới nhất của dự thảo.' },
    number: { no_pdf: 'Văn bản không có tệp PDF đã ký số: chỉ cấp số trong sổ.', no_credential: 'Cơ quan chưa có chứng thư số trên hệ thống: chỉ cấp số trong sổ, không đóng số và ký số lên tệp.', digital: 'Số, ngày và chữ ký số của cơ quan sẽ được đóng lên tệp PDF đã ký.' },
  };
  // "sign"/"number" boxes (in the action forms) say what the action will do; the "files" box (in the
  // Tệp card, always shown) follows the signing requests until they are done.
  function renderStatus(box, s) {
    box.textContent = '';
    var purpose = box.getAttribute('data-signing-for') || 'files';
    if (purpose !== 'files') {
      var note = NOTES[purpose] && NOTES[purpose][purpose === 'number' ? s.sealMode : s.signMode];
      if (note && !s.busy) box.appendChild(el('p', 'muted', note));
      return;
    }
    var reseal = box.parentNode && box.parentNode.querySelector('form.signing-reseal');
    if (reseal) reseal.hidden = !s.canReseal;
    s.requests.forEach(function (r) {
      if (!r.attention) return;
      var p = el('p', 'signing-request');
      p.appendChild(el('span', 'badge' + (r.status === 'failed' ? ' red' : ''), r.label));
      p.appendChild(document.createTextNode(' ' + r.what));
      if (r.error) p.appendChild(el('span', 'signing-error', ' — ' + r.error));
      box.appendChild(p);
    });
  }
  // The page was rendered before the workers finished: its state or file list is behind the database.
  function stale(box, s) {
    var state = box.getAttribute('data-state');
    var files = box.getAttribute('data-file-count');
    return (state && state !== s.state) || (files && Number(files) !== s.fileCount);
  }
  function pollStatus(box, wasBusy, delay) {
    getJson(box.getAttribute('data-signing-status')).then(function (s) {
      renderStatus(box, s);
      if ((box.getAttribute('data-signing-for') || 'files') !== 'files') return;
      if (s.busy) later(function () { pollStatus(box, true, Math.min(delay * 1.5, 3000)); }, delay);
      else if (wasBusy || stale(box, s)) {
        // Reload once per outcome, so a page that can never match the database does not loop.
        var key = 'vanthu-signing-reload:' + window.location.pathname + ':' + s.state + ':' + s.fileCount;
        try {
          if (window.sessionStorage.getItem(key)) return;
          window.sessionStorage.setItem(key, '1');
        } catch (e) { if (!wasBusy) return; }
        box.appendChild(el('p', 'flash', 'Đã ký số xong. Đang tải lại trang…'));
        later(function () { window.location.reload(); }, 800);
      }
    }).catch(function () { box.appendChild(el('p', 'muted', 'Không lấy được trạng thái ký số.')); });
  }

  // — verdicts of a document's PDFs —
  var VERDICT_CLASS = { valid: 'badge green', invalid: 'badge red', error: 'badge red', unsigned: 'badge', pending: 'badge' };
  function renderVerdicts(box, data) {
    box.textContent = '';
    if (!data.files.length) return;
    box.appendChild(el('h3', null, 'Chữ ký số trên tệp'));
    var ul = el('ul', 'signing-verdicts');
    data.files.forEach(function (f) {
      var li = el('li');
      li.appendChild(el('span', VERDICT_CLASS[f.verdict] || 'badge', f.label));
      li.appendChild(document.createTextNode(' ' + f.fileName));
      if (f.message && f.verdict !== 'unsigned') li.appendChild(el('div', 'muted', f.message));
      if (f.signatures.length) {
        var d = el('details');
        d.appendChild(el('summary', null, 'Chi tiết ' + f.signatures.length + ' chữ ký'));
        var ol = el('ol');
        f.signatures.forEach(function (s) {
          var item = el('li', null, (s.valid ? 'Hợp lệ' : 'Không hợp lệ') + ' — ' + s.signer + (s.time ? ' — ' + s.time : '') + (s.timestamped ? ' (có dấu thời gian)' : ''));
          if (s.changes) item.appendChild(el('div', 'muted', 'Sau khi ký: ' + s.changes));
          if (s.revocation) item.appendChild(el('div', 'muted', 'Thu hồi: ' + s.revocation));
          if (s.problems.length) item.appendChild(el('div', 'signing-error', s.problems.join('; ')));
          ol.appendChild(item);
        });
        d.appendChild(ol);
        li.appendChild(d);
      }
      ul.appendChild(li);
    });
    box.appendChild(ul);
  }
  function pollVerdicts(box, delay) {
    getJson(box.getAttribute('data-signing-verdict')).then(function (data) {
      renderVerdicts(box, data);
      var pending = data.files.some(function (f) { return f.verdict === 'pending'; });
      if (pending && delay < 60000) later(function () { pollVerdicts(box, delay * 1.5); }, delay);
    }).catch(function () { box.textContent = ''; box.appendChild(el('p', 'muted', 'Không lấy được kết quả kiểm tra chữ ký số.')); });
  }

  // — bulk signing result lines —
  function pollBatch(box, delay) {
    getJson(box.getAttribute('data-signing-batch')).then(function (b) {
      b.lines.forEach(function (l) {
        var row = box.querySelector('tr[data-document-id="' + String(l.documentId).replace(/\D/g, '') + '"] .signing-line');
        if (!row) return;
        row.textContent = '';
        row.appendChild(el('span', 'badge' + (l.status === 'done' ? ' green' : l.status === 'failed' ? ' red' : ''), l.label));
        if (l.error) row.appendChild(document.createTextNode(' ' + l.error));
      });
      if (b.busy) later(function () { pollBatch(box, Math.min(delay * 1.5, 3000)); }, delay);
    }).catch(function () { /* the lines already say what happened at submission */ });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll('[data-signing-status]'), function (b) { pollStatus(b, false, 500); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-signing-verdict]'), function (b) { pollVerdicts(b, 1000); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-signing-batch]'), function (b) { pollBatch(b, 500); });
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
