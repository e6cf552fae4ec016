// Progressive enhancement only: every page works without this file.

// Back and Forward may restore a page from the browser's memory (the back/forward cache) exactly as it was: an action
// already used would look available again. Such a page is fetched anew (a GET, never a re-post), so it shows the
// flow's current state.
window.addEventListener('pageshow', function (event) {
  'use strict';
  if (event.persisted) { window.location.replace(window.location.href); }
});
// "Send a new code": the server renders the button disabled with the seconds left (data-resend-seconds) and the
// translated texts (data-wait-text with {seconds}, data-ready-text); this counts down and enables the button.
(function () {
  'use strict';
  var button = document.querySelector('[data-resend-seconds]');
  if (!button) { return; }
  var status = document.getElementById('resend-status');
  var live = document.getElementById('resend-live');
  var waitText = button.getAttribute('data-wait-text') || '';
  // The plural forms of the page's language (data-wait-one, data-wait-few, ...), chosen like the server does.
  var forms = {};
  ['zero', 'one', 'two', 'few', 'many', 'other'].forEach(function (c) {
    var text = button.getAttribute('data-wait-' + c);
    if (text) { forms[c] = text; }
  });
  var rules = window.Intl && window.Intl.PluralRules ? new window.Intl.PluralRules(document.documentElement.lang || 'en') : null;
  function waitFor(n) {
    var category = rules ? rules.select(n) : (n === 1 ? 'one' : 'other');
    return (forms[category] || forms.other || waitText).replace('{seconds}', String(n));
  }
  var readyText = button.getAttribute('data-ready-text') || '';
  var left = parseInt(button.getAttribute('data-resend-seconds'), 10) || 0;
  var deadline = Date.now() + left * 1000;

  function tick() {
    var seconds = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    if (seconds > 0) {
      if (status) { status.textContent = waitFor(seconds); }
      window.setTimeout(tick, 1000);
      return;
    }
    button.disabled = false;
    if (status) { status.textContent = readyText; }
    // Announced once (a live region that changed every second would drown a screen reader).
    if (live && left > 0) { live.textContent = readyText; }
  }
  tick();
}());

// "Copy" next to an emergency code or a cryptogram: shown only when the clipboard API exists (the value is
// selectable text either way).
(function () {
  'use strict';
  var button = document.querySelector('[data-copy]');
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.getAttribute('data-copy'));
  var live = document.getElementById('copy-live');
  button.hidden = false;
  button.addEventListener('click', function () {
    var text = (source ? source.textContent : '').replace(/\s+/g, ' ').trim();
    navigator.clipboard.writeText(text).then(function () {
      if (live) { live.textContent = button.getAttribute('data-copied-text') || ''; }
    });
  });
}());
