/* The budget grid works like a spreadsheet (issue 16). No inline script: a strict
   Content-Security-Policy applies, and the Swedish texts are the form's data attributes.
   - Keyboard: arrows move between cells (left and right at the text's edges, and on to
     the row's buttons), Enter down and Tab right, Shift reverses both; Ctrl+S saves from
     anywhere; Ctrl+Z and Ctrl+Y undo and redo; Ctrl+R fills right.
   - A block copied from Excel or Google Sheets pastes at the focused cell (the server
     fills it in, adding rows); a block selected with Shift copies out as Excel reads it.
   - Buttons that change the layout, and the tools over the grid, post their action
     and get the grid's parts back: no reload, the address stays, focus and scroll stay.
   - The server's recompute (htmx, hx-sync replace: an older answer never lands after a
     newer question) sends the marks and messages in #grid-state. */
(function () {
  "use strict";
  var form = document.getElementById("budget-grid");
  if (!form) return;
  var editable = form.hasAttribute("data-draft-key");
  var PARTS = ["grid-wrap", "grid-errors", "grid-findings", "new-column-box", "grid-status", "grid-state"];

  // The recompute posts the grid as one JSON object of names and values: a 300-line
  // grid has 2 400 fields, which the server reads several times faster so. The CSRF
  // token goes in its header (the form's own field, renewed after a new login).
  if (window.htmx && !window.htmx.__gridJson) {
    window.htmx.__gridJson = true;
    window.htmx.defineExtension("grid-json", {
      onEvent: function (name, event) {
        if (name !== "htmx:configRequest") return;
        var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
        event.detail.headers["Content-Type"] = "application/json";
        if (token) event.detail.headers["X-CSRFToken"] = token.value;
      },
      encodeParameters: function (xhr, parameters) {
        var data = {};
        parameters.forEach(function (value, name) {
          if (typeof value === "string") data[name] = value;
        });
        return JSON.stringify(data);
      }
    });
  }

  function text(name, params) {
    var value = form.getAttribute("data-" + name) || "";
    Object.keys(params || {}).forEach(function (key) {
      value = value.split("%(" + key + ")s").join(String(params[key]));
    });
    return value;
  }
  function say(message) {
    var box = document.getElementById("grid-status");
    if (box) box.textContent = message;
  }

  // --- cells ------------------------------------------------------------------------

  function rows() {
    return Array.prototype.slice.call(form.querySelectorAll("tr[data-row]"));
  }
  function cellsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll('input[data-col="label"], input.amount'));
  }
  function buttonsOf(row) {
    return Array.prototype.slice.call(row.querySelectorAll("td.actions button")).filter(function (b) { return !b.disabled; });
  }
  function isCell(field) {
    return !!(field && field.tagName === "INPUT" && field.closest && field.closest("tr[data-row]") &&
      (field.classList.contains("amount") || field.getAttribute("data-col") === "label"));
  }
  function go(field) {
    if (!field) return false;
    field.focus();
    if (field.select) field.select();
    return true;
  }
  function atStart(field) { return field.selectionStart === 0 && field.selectionEnd === 0; }
  function atEnd(field) {
    var n = field.value.length;
    return field.selectionStart === n && field.selectionEnd === n;
  }
  function allSelected(field) {
    return field.selectionStart === 0 && field.selectionEnd === field.value.length;
  }
  // The cell's place for the server: its row (the draft's index) and 0 for the name,
  // 1 for the first amount column, ...
  function place(cell) {
    var row = cell.closest("tr[data-row]");
    var col = cell.getAttribute("data-col");
    return { row: row.getAttribute("data-row"), col: col === "label" ? 0 : Number(col) + 1, amount: col === "label" ? null : col };
  }
  function cellName(cell) {
    var label = form.querySelector('label[for="' + cell.id + '"]');
    return label ? label.textContent.replace(/\s+/g, " ").trim() : "";
  }

  // --- the current cell and a block selected with Shift ------------------------------

  var current = null;  // the cell she last stood in (the tools act on it)
  var anchor = null;   // where a block selection starts
  var block = null;    // {top, left, bottom, right} in rows() and cellsOf() positions

  function position(cell) {
    var all = rows();
    var row = cell.closest("tr[data-row]");
    return { r: all.indexOf(row), c: cellsOf(row).indexOf(cell) };
  }
  function showCurrent() {
    var box = document.getElementById("grid-current");
    if (box && current && document.body.contains(current)) box.textContent = text("current", { cell: cellName(current) });
  }
  function clearBlock() {
    block = null;
    form.querySelectorAll("td.in-block").forEach(function (td) { td.classList.remove("in-block"); });
  }
  function blockCells() {
    if (!block) return [];
    var out = [];
    rows().slice(block.top, block.bottom + 1).forEach(function (row) {
      out.push(cellsOf(row).slice(block.left, block.right + 1));
    });
    return out;
  }
  function extendTo(cell) {
    if (!anchor || !document.body.contains(anchor)) anchor = current;
    if (!anchor) return;
    var a = position(anchor), b = position(cell);
    clearBlock();
    block = { top: Math.min(a.r, b.r), bottom: Math.max(a.r, b.r), left: Math.min(a.c, b.c), right: Math.max(a.c, b.c) };
    blockCells().forEach(function (line) {
      line.forEach(function (c) { c.closest("td").classList.add("in-block"); });
    });
  }

  form.addEventListener("focusin", function (event) {
    var cell = event.target;
    if (!isCell(cell)) return;
    current = cell;
    if (!extending) { anchor = cell; clearBlock(); }
    showCurrent();
    startTyping(cell);
  });
  var extending = false;
  form.addEventListener("mousedown", function (event) {
    var cell = event.target;
    if (!isCell(cell) || !event.shiftKey || !current) return;
    event.preventDefault();
    extending = true;
    extendTo(cell);
    cell.focus();
    current = cell;
    extending = false;
    showCurrent();
  });

  // Copy a selected block as Excel and Google Sheets read it: tabs and lines.
  document.addEventListener("copy", function (event) {
    if (!block || !event.clipboardData) return;
    var cells = blockCells();
    if (cells.length * (cells[0] || []).length < 2) return;
    event.preventDefault();
    event.clipboardData.setData("text/plain", cells.map(function (line) {
      return line.map(function (c) { return c.value; }).join("\t");
    }).join("\r\n") + "\r\n");
    say(text("copied", { cells: cells.length * cells[0].length }));
  });

  // --- undo and redo -------------------------------------------------------------------
  // A step is what a user did at once: typing in one cell, clearing a block, or a
  // layout action (the grid as it was is kept, and put back).

  var done = [], undone = [];
  var typing = null;   // the open step of the cell she types in
  var valueAtFocus = new WeakMap();
  var replaying = false;

  function startTyping(cell) {
    valueAtFocus.set(cell, cell.value);
    typing = null;
  }
  function push(step) {
    done.push(step);
    if (done.length > 200) done.shift();
    undone = [];
    buttons();
  }
  function buttons() {
    var undo = document.querySelector("[data-grid-undo]"), redo = document.querySelector("[data-grid-redo]");
    if (undo) undo.disabled = !done.length;
    if (redo) redo.disabled = !undone.length;
  }
  form.addEventListener("input", function (event) {
    var field = event.target;
    if (field && field.getAttribute && field.getAttribute("data-col") === "label") rename(field);
    if (replaying || !isCell(field)) return;
    if (typing && typing.changes[0].el === field && done[done.length - 1] === typing) {
      typing.changes[0].after = field.value;
      return;
    }
    var before = valueAtFocus.has(field) ? valueAtFocus.get(field) : "";
    typing = { changes: [{ el: field, before: before, after: field.value }] };
    push(typing);
  });
  form.addEventListener("focusout", function (event) {
    if (isCell(event.target)) { typing = null; valueAtFocus.set(event.target, event.target.value); }
  });

  function setValue(field, value) {
    field.value = value;
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function swapWrap(now) {
    var old = document.getElementById("grid-wrap");
    if (!old || !now) return old;
    var top = old.scrollTop, left = old.scrollLeft;
    old.parentNode.replaceChild(now, old);
    shown = null;  // the marks on the grid now in are not known
    now.scrollTop = top;
    now.scrollLeft = left;
    return old;
  }
  function recompute() {
    var any = form.querySelector("input.amount, input[data-col='label'], #opening_equity");
    if (any) any.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function replay(step, back) {
    replaying = true;
    typing = null;
    try {
      if (step.wrap) {
        step.wrap = swapWrap(step.wrap);
        if (step.equity) {
          var now = step.equity.el.value;
          step.equity.el.value = step.equity.other;
          step.equity.other = now;
        }
        recompute();
      } else {
        step.changes.forEach(function (change) {
          if (document.body.contains(change.el)) {
            setValue(change.el, back ? change.before : change.after);
            valueAtFocus.set(change.el, change.el.value);
          }
        });
        var first = step.changes[0] && step.changes[0].el;
        if (first && document.body.contains(first)) go(first);
      }
    } finally {
      replaying = false;
    }
    edited();
  }
  // Undo takes the last step done back, redo the last step undone.
  function travel(from, to, back, message) {
    if (busy) return;
    var step = from.pop();
    if (!step) return;
    replay(step, back);
    to.push(step);
    buttons();
    say(text(message));
  }
  function undo() { travel(done, undone, true, "undone"); }
  function redo() { travel(undone, done, false, "redone"); }

  // A row's new name follows into its cells' labels ("Styrelse, Budget 2024").
  function rename(field) {
    var row = field.closest("tr[data-row]");
    if (!row) return;
    var name = field.value.trim();
    row.querySelectorAll("[data-row-name]").forEach(function (span) {
      span.textContent = name || span.getAttribute("data-row-name");
    });
    row.querySelectorAll("[data-label-prefix]").forEach(function (button) {
      button.setAttribute("aria-label", button.getAttribute("data-label-prefix") + " " + (name || "raden"));
    });
    if (field === current) showCurrent();
  }

  // Tell the draft keeper (session.js) that the form changed without typing.
  function edited() {
    form.dispatchEvent(new CustomEvent("finsam:edited", { bubbles: true }));
  }

  // --- actions answered without a reload -------------------------------------------------

  var busy = false, queue = [], recomputeAfter = false;

  function run(action, extra) {
    queue.push({ action: action, extra: extra || {} });
    if (!busy) next();
  }
  function next() {
    var job = queue.shift();
    if (!job) return;
    busy = true;
    form.setAttribute("aria-busy", "true");
    if (window.htmx) window.htmx.trigger(form, "htmx:abort");
    var data = new FormData(form);
    data.set("action", job.action);
    Object.keys(job.extra).forEach(function (key) { data.set(key, job.extra[key]); });
    var slow = setTimeout(function () { say(text("busy")); }, 400);
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Current-URL": location.href },
    }).then(function (response) {
      document.dispatchEvent(new CustomEvent("finsam:response", { detail: { status: response.status } }));
      return response.text().then(function (body) { return { status: response.status, body: body }; });
    }).then(function (answer) {
      clearTimeout(slow);
      if (answer.status !== 200) {
        say(text("failed", { status: answer.status }));
        return;
      }
      apply(answer.body);
    }, function () {
      clearTimeout(slow);
      say(text("failed", { status: "–" }));
    }).then(function () {
      busy = false;
      form.removeAttribute("aria-busy");
      if (queue.length) { next(); return; }
      if (recomputeAfter) { recomputeAfter = false; recompute(); }
    });
  }
  function apply(body) {
    var holder = document.createElement("template");
    holder.innerHTML = body;
    var parts = {};
    PARTS.forEach(function (id) { parts[id] = holder.content.getElementById(id); });
    var wrap = parts["grid-wrap"];
    // A pasted budget table may bring the opening equity (its IB row): the field is
    // outside the grid's box, so its new value comes on its own, and undo takes it back.
    var equity = holder.content.getElementById("grid-opening-equity");
    var equityField = form.elements.namedItem("opening_equity");
    var equityStep = null;
    if (equity && equityField && equityField.value !== equity.getAttribute("data-value")) {
      equityStep = { el: equityField, other: equityField.value };
      equityField.value = equity.getAttribute("data-value");
    }
    if (wrap) {
      var old = swapWrap(document.adoptNode(wrap));
      push({ wrap: old, equity: equityStep });
    }
    PARTS.slice(1).forEach(function (id) {
      var now = parts[id], here = document.getElementById(id);
      if (!now || !here) return;
      // The live regions keep their box and change their content (read out so, and
      // cheaper to lay out); the others are replaced whole.
      if (here.hasAttribute("aria-live")) here.replaceChildren.apply(here, Array.from(now.childNodes));
      else here.parentNode.replaceChild(document.adoptNode(now), here);
    });
    applyState(true);  // a new grid: every cell looked at
    clearBlock();
    var target = wrap && wrap.getAttribute("data-focus");
    var field = target ? document.getElementById(target) : null;
    if (field) {
      field.focus({ preventScroll: true });
      if (field.select) field.select();
      field.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    edited();
  }

  // The layout buttons in the grid (add, move, delete a row or a column, add a column).
  form.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[name='action']") : null;
    if (!button || !editable || button.value === "save" || button.value === "restore") return;
    event.preventDefault();
    if (!button.disabled) run(button.value);
  });
  // The tools over the grid act on the current cell.
  function tool(name) {
    if (!current || !document.body.contains(current)) { say(text("no-cell")); return; }
    var at = place(current);
    if (name === "fill-right" || name === "grow" || name === "clear-column") {
      if (at.amount === null) { say(text("no-cell")); return; }
    }
    if (name === "clear-row") run("clear-row-" + at.row);
    else if (name === "clear-column") run("clear-column-" + at.amount);
    else run(name + "-" + at.row + "-" + at.amount);
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-grid-action], [data-grid-undo], [data-grid-redo]") : null;
    if (!button) return;
    if (button.hasAttribute("data-grid-undo")) undo();
    else if (button.hasAttribute("data-grid-redo")) redo();
    else tool(button.getAttribute("data-grid-action"));
  });

  // Typing while an action is on its way would be replaced by its answer: held back.
  form.addEventListener("beforeinput", function (event) {
    if (busy) event.preventDefault();
  });
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (busy && event.detail && event.detail.elt === form) {
      event.preventDefault();
      recomputeAfter = true;
    }
  });

  // A block pasted at a cell: the server fills it in, adding rows as needed.
  form.addEventListener("paste", function (event) {
    var input = event.target;
    if (!editable || !isCell(input) || !event.clipboardData) return;
    var pasted = event.clipboardData.getData("text/plain").replace(/\r\n?/g, "\n").replace(/\n+$/, "");
    if (pasted.indexOf("\t") < 0 && pasted.indexOf("\n") < 0) return;  // one value: the browser's own paste
    event.preventDefault();
    var at = place(input);
    run("paste", { paste_text: pasted, paste_row: at.row, paste_col: at.col });
  });

  // --- keyboard ---------------------------------------------------------------------------

  document.addEventListener("keydown", function (event) {
    var mod = (event.ctrlKey || event.metaKey) && !event.altKey;
    if (!mod) return;
    var key = event.key.toLowerCase();
    var target = event.target;
    var ownUndo = target && (target.tagName === "TEXTAREA" || target.id === "new_column" || target.id === "grow_percent");
    if (key === "s") {
      var save = document.getElementById("save-button");
      if (!save) return;
      event.preventDefault();
      save.click();
    } else if (editable && !ownUndo && ((key === "z" && !event.shiftKey) || key === "y" || (key === "z" && event.shiftKey))) {
      if (!form.contains(target) && target !== document.body) return;
      event.preventDefault();
      if (key === "z" && !event.shiftKey) undo(); else redo();
    } else if (editable && key === "r" && isCell(target)) {
      event.preventDefault();  // Excel's fill right, not the browser's reload
      tool("fill-right");
    }
  });

  form.addEventListener("keydown", function (event) {
    var input = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var row = input.closest ? input.closest("tr[data-row]") : null;
    if (row && input.tagName === "BUTTON" && input.closest("td.actions")) {
      // The row's buttons: left and right move among them and back to the cells.
      var own = buttonsOf(row), at = own.indexOf(input);
      if (event.key === "ArrowLeft") { event.preventDefault(); go(own[at - 1] || cellsOf(row).slice(-1)[0]); }
      if (event.key === "ArrowRight" && own[at + 1]) { event.preventDefault(); go(own[at + 1]); }
      return;
    }
    if (!isCell(input)) {
      // Enter in a field outside the cells would otherwise press the form's first
      // button, which is a column's "ta bort"; in the new column's name it adds it.
      if (event.key === "Enter" && input.tagName === "INPUT") {
        event.preventDefault();
        if (input.id === "new_column") run("add-column");
        if (input.id === "grow_percent") tool("grow");
      }
      return;
    }
    var cells = cellsOf(row);
    var col = cells.indexOf(input);
    var all = rows();
    var r = all.indexOf(row);
    if (event.key === "Escape" && block) { clearBlock(); return; }
    if ((event.key === "Delete" || event.key === "Backspace") && block && blockCells().length * blockCells()[0].length > 1) {
      event.preventDefault();
      var changes = [];
      replaying = true;
      blockCells().forEach(function (line) {
        line.forEach(function (c) {
          if (c.value !== "") { changes.push({ el: c, before: c.value, after: "" }); setValue(c, ""); }
        });
      });
      replaying = false;
      if (changes.length) { push({ changes: changes }); edited(); }
      return;
    }
    if (event.shiftKey && event.key.indexOf("Arrow") === 0) {
      // Shift and an arrow select a block of cells (up and down always; left and
      // right once the text is all selected or the cursor is at its edge).
      var target;
      if (event.key === "ArrowUp" && all[r - 1]) target = cellsOf(all[r - 1])[col];
      if (event.key === "ArrowDown" && all[r + 1]) target = cellsOf(all[r + 1])[col];
      if (event.key === "ArrowLeft" && (allSelected(input) || atStart(input))) target = cells[col - 1];
      if (event.key === "ArrowRight" && (allSelected(input) || atEnd(input))) target = cells[col + 1];
      if (target) {
        event.preventDefault();
        extending = true;
        extendTo(target);
        go(target);
        extending = false;
      }
      return;
    }
    if (event.key === "Tab") {
      // Tab moves right along the row and on to the next row's name; Shift+Tab back.
      if (!event.shiftKey && col === cells.length - 1 && all[r + 1]) {
        event.preventDefault();
        go(cellsOf(all[r + 1])[0]);
      } else if (event.shiftKey && col === 0 && all[r - 1]) {
        event.preventDefault();
        go(cellsOf(all[r - 1]).slice(-1)[0]);
      }
      return;
    }
    if (event.key === "ArrowLeft" && atStart(input)) {
      if (go(cells[col - 1])) event.preventDefault();
      return;
    }
    if (event.key === "ArrowRight" && atEnd(input)) {
      if (go(cells[col + 1] || buttonsOf(row)[0])) event.preventDefault();
      return;
    }
    var down = event.key === "ArrowDown" || (event.key === "Enter" && !event.shiftKey);
    var up = event.key === "ArrowUp" || (event.key === "Enter" && event.shiftKey);
    if (!down && !up) return;
    event.preventDefault();  // Enter must never send the form from a cell
    var other = all[r + (down ? 1 : -1)];
    if (other) go(cellsOf(other)[col]);
  });

  // --- after a recompute ----------------------------------------------------------------

  // What the last applyState marked, so that a recompute touches only the cells and
  // fields whose marks come or go (a 300-line grid has 2 400 fields); null: not known
  // (the page as loaded, or a grid just swapped in), so every one is looked at.
  var shown = null;
  function markField(field, message) {
    var name = field.id;
    field.classList.toggle("is-invalid", message !== "");
    if (message) {
      field.setAttribute("aria-invalid", "true");
      if (name !== "opening_equity") field.setAttribute("aria-describedby", name + "-error");
    } else {
      field.removeAttribute("aria-invalid");
      if (name !== "opening_equity") field.removeAttribute("aria-describedby");
    }
  }
  function fieldError(errors, name) {
    var key = name.replace(/-link$/, "-member");
    return errors[name] || errors[key] || errors[name.replace(/-link$/, "-intervention")] || "";
  }
  function applyState(everything) {
    var holder = document.getElementById("grid-state");
    if (!holder) return;
    var state;
    try { state = JSON.parse(holder.getAttribute("data-state") || "{}"); } catch (e) { return; }
    var marks = state.marks || {};
    var errors = state.errors || {};
    if (everything === true) shown = null;
    var cells, fields;
    if (shown === null) {
      cells = Array.from(form.querySelectorAll("td[data-cell]"));
      fields = Array.from(form.querySelectorAll("tr[data-row] input, tr[data-row] select, #opening_equity"));
    } else {
      cells = shown.cells.concat(Object.keys(marks).map(function (name) {
        return form.querySelector('td[data-cell="' + CSS.escape(name) + '"]');
      }));
      fields = shown.fields.concat(Object.keys(errors).map(function (name) {
        return document.getElementById(name.replace(/-(member|intervention)$/, "-link"));
      }));
    }
    var now = { cells: [], fields: [] };
    cells.forEach(function (td) {
      if (!td || !form.contains(td)) return;
      var mark = marks[td.getAttribute("data-cell")];
      td.classList.remove("finding-error", "finding-warning");
      if (mark) {
        td.classList.add("finding-" + mark);
        now.cells.push(td);
      }
    });
    // Bad fields are marked; their messages are listed under the grid (#grid-errors).
    fields.forEach(function (field) {
      if (!field || !form.contains(field) || /-(member|intervention)$/.test(field.id)) return;
      if (field.id !== "opening_equity" && !field.closest("tr[data-row]")) return;
      var message = fieldError(errors, field.id);
      markField(field, message);
      if (message) now.fields.push(field);
    });
    shown = now;
    var equity = document.querySelector('[data-error-for="opening_equity"]');
    if (equity) equity.textContent = errors.opening_equity || "";
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

  var toolbar = document.getElementById("grid-toolbar");
  if (toolbar && editable) toolbar.hidden = false;
  buttons();
  // The recompute's answer: its parts (marked hx-swap-oob) go in here, not through htmx's
  // swap, which fires some 800 events for them at 300 lines (70 ms). "innerHTML" parts
  // keep their box and get new content; the others are replaced. Then the marks, once,
  // before the next frame is painted.
  function applyRecompute(body) {
    var holder = document.createElement("template");
    holder.innerHTML = body;
    var parts = [];
    (function collect(root) {
      root.querySelectorAll("[hx-swap-oob]").forEach(function (part) { parts.push(part); });
      root.querySelectorAll("template").forEach(function (inner) { collect(inner.content); });
    })(holder.content);
    parts.forEach(function (now) {
      var here = now.id ? document.getElementById(now.id) : null;
      if (!here) return;
      if (now.getAttribute("hx-swap-oob") === "innerHTML") {
        here.replaceChildren.apply(here, Array.from(now.childNodes));
      } else {
        now.removeAttribute("hx-swap-oob");
        here.replaceWith(now);
      }
    });
    applyState();
    form.dispatchEvent(new CustomEvent("grid:recomputed", { bubbles: true }));
  }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    if (!detail || detail.elt !== form || !detail.xhr || detail.xhr.status !== 200) return;
    detail.shouldSwap = false;
    applyRecompute(detail.serverResponse);
  });
})();
