// Live updates for the console: one EventSource per tab, open only while the page is visible.
// When the server says a conversation changed, the parts of the page that show it are fetched
// again and swapped in; what the agent is typing is left alone. Without this script every page
// works as plain forms and links.
(function () {
  'use strict';
  var live = document.body.getAttribute('data-live');
  if (!live || typeof EventSource === 'undefined') return;
  var parts = live.split(' ');
  var page = parts[0];
  var conversationId = parts[1];
  var contactId = parts[2];
  var source = null;
  var pending = false;
  var again = false;

  function concerned(change) {
    if (page === 'inbox') return change.conversations.length > 0;
    return change.conversations.indexOf(conversationId) >= 0 || change.contacts.indexOf(contactId) >= 0;
  }

  // One fetch at a time; a change that arrives meanwhile fetches once more afterwards, since the
  // answer in flight may have been read before that change.
  function refresh() {
    if (pending) {
      again = true;
      return;
    }
    pending = true;
    again = false;
    var url = page === 'inbox' ? withPart(location.href) : location.pathname;
    fetch(url, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (text) {
        pending = false;
        if (again) refresh();
        if (text === null) return;
        var fresh = new DOMParser().parseFromString(text, 'text/html');
        var selectors = page === 'inbox' ? ['#inbox-list'] : ['ol.thread', 'aside.contact', '.conversation-head'];
        // The reply box is left alone while the agent types, unless the contact's consent changed
        // under it: an opt-out disables it, with the reason, at once.
        var box = document.querySelector('form.reply');
        var freshBox = fresh.querySelector('form.reply');
        if (box && freshBox && box.getAttribute('data-opted-out') !== freshBox.getAttribute('data-opted-out')) {
          box.replaceWith(document.importNode(freshBox, true));
          // The reply box's script (reply-box.js) counts the fresh box's text again.
          document.dispatchEvent(new CustomEvent('parley:swapped'));
        }
        selectors.forEach(function (selector) {
          var now = document.querySelector(selector);
          var next = fresh.querySelector(selector);
          if (now && next) now.replaceWith(document.importNode(next, true));
        });
      })
      .catch(function () {
        pending = false;
        if (again) refresh();
      });
  }

  function withPart(href) {
    var url = new URL(href);
    url.searchParams.set('part', 'list');
    return url.toString();
  }

  function open() {
    if (source) return;
    source = new EventSource('/console/stream');
    // Whatever changed between this page's render (or the last stream) and now was told to no one
    // listening for this page: look once when the stream opens, and again after each reconnect.
    source.addEventListener('open', refresh);
    source.addEventListener('change', function (event) {
      var change = JSON.parse(event.data);
      if (concerned(change)) refresh();
    });
  }

  function close() {
    if (!source) return;
    source.close();
    source = null;
  }

  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') close();
    else open();
  });
  window.addEventListener('pagehide', close);
  window.addEventListener('pageshow', function () {
    if (document.visibilityState !== 'hidden') open();
  });
  if (document.visibilityState !== 'hidden') open();
})();
