/* The budget grid: keyboard moves between cells, and marks after a recompute.
   No inline script (a strict Content-Security-Policy applies). */
(function () {
  "use strict";
  var form = document.getElementById("budget-grid");
  if (!form) return;

  // Arrow up/down moves to the same column in the previous/next row; Enter moves down.
  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.key === "s" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      document.getElementById("save-button").click();
      return;
    }
    if (!input.classList || !input.classList.contains("amount")) {
      // Enter in a line's name would otherwise press the form's first button, which
      // is a column's "ta bort"; in the new column's name it adds the column.
      if (event.key === "Enter" && input.tagName === "INPUT") {
        event.preventDefault();
        if (input.id === "new_column") form.querySelector('button[value="add-column"]').click();
      }
      return;
    }
    var down = event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey);
    var up = event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey);
    if (!down && !up) return;
    var col = input.getAttribute("data-col");
    var inputs = Array.prototype.slice.call(form.querySelectorAll('input.amount[data-col="' + col + '"]'));
    var at = inputs.indexOf(input);
    var next = inputs[at + (down ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    } else if (event.key === "Enter") {
      event.preventDefault();
    }
  });

  // After a recompute, the server sends marks and messages in #grid-state.
  function applyState() {
    var holder = document.getElementById("grid-state");
    if (!holder) return;
    var state;
    try { state = JSON.parse(holder.getAttribute("data-state") || "{}"); } catch (e) { return; }
    var marks = state.marks || {};
    var errors = state.errors || {};
    form.querySelectorAll("td[data-cell]").forEach(function (td) {
      var name = td.getAttribute("data-cell");
      td.classList.remove("finding-error", "finding-warning");
      if (marks[name]) td.classList.add("finding-" + marks[name]);
    });
    form.querySelectorAll("[data-error-for]").forEach(function (box) {
      var name = box.getAttribute("data-error-for");
      var field = document.getElementById(name);
      var message = errors[name] || "";
      box.textContent = message;
      if (field) field.classList.toggle("is-invalid", message !== "");
    });
  }
  // A conflict: picking a value for a cell puts it in the grid, so the figures follow.
  function markConflicts() {
    document.querySelectorAll("input.conflict-pick").forEach(function (radio) {
      var target = document.getElementById(radio.getAttribute("data-target") || "");
      if (target) target.classList.add("border-warning", "border-2");
    });
  }
  document.addEventListener("change", function (event) {
    var radio = event.target;
    if (!radio.classList || !radio.classList.contains("conflict-pick") || !radio.checked) return;
    var target = document.getElementById(radio.getAttribute("data-target") || "");
    if (!target) return;
    target.value = radio.getAttribute("data-value") || "";
    target.dispatchEvent(new Event("input", { bubbles: true }));
  });
  markConflicts();

  document.body.addEventListener("htmx:afterSettle", applyState);
  document.body.addEventListener("htmx:oobAfterSwap", applyState);
})();
