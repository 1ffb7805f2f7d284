// The reply box, with JavaScript: a saved reply goes into the box in place (without it, the picker
// is a GET form that reloads the page with the box filled), and the segment counter below the box
// follows what the agent types (its counting is segments.js, a copy of src/core/segments.ts).
// console.js may swap the reply form for a fresh one while the page is open (an opt-out disables
// it), so the listeners sit on the document and look the elements up each time.
(function () {
  'use strict';
  if (!document.getElementById('body')) return;

  function insertSaved(event) {
    var picker = event.target;
    if (!(picker instanceof HTMLFormElement) || !picker.classList.contains('saved-picker')) return;
    var box = document.getElementById('body');
    var select = picker.querySelector('select');
    var option = select && select.options[select.selectedIndex];
    if (!box || !option || box.disabled) return;
    event.preventDefault();
    var text = option.getAttribute('data-body') || '';
    // Into an empty box as it is; otherwise where the cursor is, what was written kept around it.
    var start = box.selectionStart;
    var end = box.selectionEnd;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.setSelectionRange(start + text.length, start + text.length);
    box.dispatchEvent(new Event('input', { bubbles: true }));
  }

  function count() {
    var box = document.getElementById('body');
    var counter = document.getElementById('segment-count');
    if (!box || !counter || !window.parleySegments) return;
    var result = window.parleySegments.countSegments(box.value);
    var characters = Array.from(box.value).length;
    counter.textContent =
      characters +
      (characters === 1 ? ' character' : ' characters') +
      ' · ' +
      result.encoding +
      ' · ' +
      result.segments +
      (result.segments === 1 ? ' segment' : ' segments');
  }

  document.addEventListener('submit', insertSaved);
  document.addEventListener('input', function (event) {
    if (event.target instanceof HTMLElement && event.target.id === 'body') count();
  });
  // After a swap the fresh counter shows the server's count of an empty draft: count what is there.
  document.addEventListener('parley:swapped', count);
  count();
})();
