/* The budget grid: keyboard moves between cells, and marks after a recompute.
   No inline script (a strict Content-Security-Policy applies). */
(function () {
  "use strict";
  var form = document.getElementById("budget-grid");
  if (!form) return;
  var root = form;  // the Swedish texts are data attributes of the form (no inline script)

  // Ctrl+S (Cmd+S) saves from anywhere on the page, as in a spreadsheet.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "s" || !(event.ctrlKey || event.metaKey) || event.altKey) return;
    var save = document.getElementById("save-button");
    if (!save) return;
    event.preventDefault();
    save.click();
  });

  // The grid's cells in reading order: each row's name, then its amounts.
  function rows() {
    return Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  }
  function cellsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll('input[data-col="label"], input.amount'));
  }
  function isCell(field) {
    return field && field.tagName === "INPUT" && field.closest && field.closest("tr[data-row]") &&
      (field.classList.contains("amount") || field.getAttribute("data-col") === "label");
  }
  function go(field) {
    if (!field) return false;
    field.focus();
    field.select();
    return true;
  }
  function atStart(field) {
    return field.selectionStart === 0 && field.selectionEnd === 0;
  }
  function atEnd(field) {
    var n = field.value.length;
    return field.selectionStart === n && field.selectionEnd === n;
  }

  // Arrows move between cells: up and down in the same column, left and right at the
  // text's edges; Enter moves down and Shift+Enter up.
  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (!isCell(input)) {
      // Enter in a field outside the cells would otherwise press the form's first
      // button, which is a column's "ta bort"; in the new column's name it adds it.
      if (event.key === "Enter" && input.tagName === "INPUT") {
        event.preventDefault();
        if (input.id === "new_column") form.querySelector('button[value="add-column"]').click();
      }
      return;
    }
    var row = input.closest("tr[data-row]");
    var cells = cellsOf(row);
    var at = cells.indexOf(input);
    if (event.key === "ArrowLeft" && atStart(input)) {
      if (go(cells[at - 1])) event.preventDefault();
      return;
    }
    if (event.key === "ArrowRight" && atEnd(input)) {
      if (go(cells[at + 1])) event.preventDefault();
      return;
    }
    var down = event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey);
    var up = event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey);
    if (!down && !up) return;
    var all = rows();
    var next = all[all.indexOf(row) + (down ? 1 : -1)];
    event.preventDefault();  // Enter must never send the form from a cell
    if (next) go(cellsOf(next)[at]);
  });

  // A block copied from Excel or Google Sheets (rows of tab-separated cells) pastes
  // from the focused cell to the right and down; a name pastes into a row's name.
  function say(message) {
    var box = document.getElementById("grid-paste-status");
    if (box) box.textContent = message;
  }
  form.addEventListener("paste", function (event) {
    var input = event.target;
    if (!isCell(input) || !event.clipboardData) return;
    var text = event.clipboardData.getData("text/plain").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
    if (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) return;  // one value: the browser's own paste
    event.preventDefault();
    var block = text.split("\n").map(function (line) { return line.split("\t"); });
    var all = rows();
    var first = all.indexOf(input.closest("tr[data-row]"));
    var column = cellsOf(all[first]).indexOf(input);
    var filled = 0, left = 0, changed = null;
    block.forEach(function (values, i) {
      var row = all[first + i];
      if (!row) { left += 1; return; }
      var cells = cellsOf(row);
      values.forEach(function (value, j) {
        var cell = cells[column + j];
        if (!cell) return;
        cell.value = value.trim();
        filled += 1;
        changed = cell;
        cell.dispatchEvent(new Event("input", { bubbles: true }));
      });
    });
    var message = (root.getAttribute("data-pasted") || "").replace("%(cells)s", filled);
    if (left) message += " " + (root.getAttribute("data-paste-left") || "").replace("%(rows)s", left);
    say(message);
    if (changed) go(changed);
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
