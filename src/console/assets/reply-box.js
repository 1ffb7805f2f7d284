// The reply box, with JavaScript: a saved reply goes into the box in place (without it, the picker
// is a GET form that reloads the page with the box filled), and the segment counter below the box
// follows what the agent types (its counting is segments.js, a copy of src/core/segments.ts).
(function () {
  'use strict';
  var box = document.getElementById('body');
  if (!box) return;

  var picker = document.querySelector('form.saved-picker');
  if (picker) {
    picker.addEventListener('submit', function (event) {
      var select = picker.querySelector('select');
      var option = select && select.options[select.selectedIndex];
      if (!option || box.disabled) return;
      event.preventDefault();
      var text = option.getAttribute('data-body') || '';
      // Into an empty box as it is; otherwise where the cursor is, what was written kept around it.
      var start = box.selectionStart;
      var end = box.selectionEnd;
      box.value = box.value.slice(0, start) + text + box.value.slice(end);
      box.focus();
      box.setSelectionRange(start + text.length, start + text.length);
      box.dispatchEvent(new Event('input', { bubbles: true }));
    });
  }

  var counter = document.getElementById('segment-count');
  if (counter && window.parleySegments) {
    var update = function () {
      var count = window.parleySegments.countSegments(box.value);
      var characters = Array.from(box.value).length;
      counter.textContent =
        characters +
        (characters === 1 ? ' character' : ' characters') +
        ' · ' +
        count.encoding +
        ' · ' +
        count.segments +
        (count.segments === 1 ? ' segment' : ' segments');
    };
    box.addEventListener('input', update);
    update();
  }
})();
