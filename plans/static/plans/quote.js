/* The comment form: "Citera markerad text" copies what is selected in the
   section's text into the quote field. (A static file: the CSP allows no inline
   scripts.) Without JavaScript the quote is pasted by hand. */
(function () {
  "use strict";
  var button = document.getElementById("citera");
  var field = document.getElementById("id_quote");
  var source = document.getElementById("avsnittstext");
  if (!button || !field || !source) { return; }
  button.hidden = false;
  button.addEventListener("click", function () {
    var selection = window.getSelection();
    var text = selection ? selection.toString().replace(/\s+/g, " ").trim() : "";
    var inside = selection && selection.rangeCount &&
      source.contains(selection.getRangeAt(0).commonAncestorContainer);
    var note = document.getElementById("citera-hjalp");
    if (!text || !inside) {
      if (note) { note.textContent = "Markera först en mening i avsnittets text."; }
      return;
    }
    field.value = text;
    if (note) { note.textContent = "Citatet är infogat."; }
    field.focus();
  });
})();

/* Choosing another section shows that section's text to quote from (the page is
   loaded again with ?avsnitt=ID, as long as nothing is typed yet). */
(function () {
  "use strict";
  var about = document.getElementById("id_about");
  var body = document.getElementById("id_body");
  if (!about) { return; }
  about.addEventListener("change", function () {
    var match = /^avsnitt-(\d+)$/.exec(about.value);
    if (match && body && !body.value.trim()) {
      window.location.search = "?avsnitt=" + match[1];
    }
  });
})();
