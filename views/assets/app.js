// Progressive enhancement only: every page works without this file.
document.addEventListener('submit', function (e) {
  var f = e.target;
  var msg = f && f.getAttribute && f.getAttribute('data-confirm');
  if (msg && !window.confirm(msg)) e.preventDefault();
});
