/* "Infoga belopp" on the section editor (plans/partials/insert_figure.html): the chosen
   budget figure goes into the text at the cursor as {{ UB 2026 }}, and the text's own
   input event follows (the preview, the draft kept in the browser). No inline script:
   the CSP allows none. */
(function () {
  "use strict";
  var box = document.querySelector(".insert-figure");
  if (!box) return;
  var field = document.getElementById(box.getAttribute("data-target") || "");
  var button = document.getElementById("insert-figure-button");
  if (!field || !button) return;
  box.hidden = false;
  // Until she has been in the text, the cursor is at its start: the figure then goes
  // at the end, on a line of its own, not glued to the first word.
  var visited = false;
  field.addEventListener("focus", function () { visited = true; });
  button.addEventListener("click", function () {
    var name = document.getElementById("insert-figure-name").value;
    var year = document.getElementById("insert-figure-year").value;
    var text = "{{ " + name + " " + year + " }}";
    var start = field.selectionStart, end = field.selectionEnd;
    if (!visited || typeof start !== "number") {
      start = end = field.value.length;
      if (field.value && !/\s$/.test(field.value)) { text = "\n\n" + text; }
    }
    field.setRangeText(text, start, end, "end");
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.focus();
  });
})();
