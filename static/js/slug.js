/* The new förbund's web address (templates/staff/federation_new.html): the Kortnamn
   field follows the name until it is typed into, and the address under it shows
   the result. The server derives the same (finsam/text.py slug_from_name) and
   checks whatever is sent. */
(function () {
  "use strict";
  var source = document.querySelector("[data-slug-source]");
  var target = document.querySelector("[data-slug-target]");
  var preview = document.querySelector("[data-slug-preview]");
  if (!source || !target) return;
  var PREFIXES = ["samordningsförbundet", "samordningsförbund"];

  function slugFromName(name) {
    var words = name.trim().split(/\s+/).filter(Boolean);
    while (words.length > 1 && PREFIXES.indexOf(words[0].toLowerCase()) !== -1) words.shift();
    var text = words.join(" ")
      .replace(/æ/g, "ae").replace(/Æ/g, "Ae").replace(/ø/g, "o").replace(/Ø/g, "O").replace(/ß/g, "ss")
      .normalize("NFKD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    return text.slice(0, 80).replace(/-+$/g, "");
  }

  var followsName = target.value === "" || target.value === slugFromName(source.value);

  function show() {
    if (preview) preview.textContent = target.value || slugFromName(source.value) || "…";
  }
  source.addEventListener("input", function () {
    if (followsName) target.value = slugFromName(source.value);
    show();
  });
  target.addEventListener("input", function () {
    followsName = target.value === "";
    show();
  });
  show();
})();
