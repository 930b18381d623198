// Progressive enhancement only: every page works without this file.
document.addEventListener('change', function (e) {
  var t = e.target;
  if (t && t.matches && t.matches('select[data-autosubmit]') && t.form) t.form.submit();
});
document.addEventListener('submit', function (e) {
  var f = e.target;
  var msg = f && f.getAttribute && f.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
