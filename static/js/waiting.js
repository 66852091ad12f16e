/* The pages that wait for the worker ("PDF:en förbereds", "Planen fastställs"):
   ask the server quietly (HEAD) every few seconds, and load the page again only
   when the answer is no longer "202 still working". The page does not refresh
   itself meanwhile, so nothing moves under a reader or a screen reader (WCAG 2.2.1:
   no timed refresh); "Fråga igen nu" asks at once, also without JavaScript. */
(function () {
  "use strict";
  var box = document.querySelector("[data-wait-url]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-wait-url");
  var seconds = Number(box.getAttribute("data-wait-seconds")) || 2;

  function ask() {
    fetch(url, { method: "HEAD", credentials: "same-origin", cache: "no-store", redirect: "manual" })
      .then(function (response) {
        if (response.status === 202) setTimeout(ask, seconds * 1000);
        else location.replace(url);
      })
      .catch(function () { setTimeout(ask, seconds * 2000); });
  }
  setTimeout(ask, seconds * 1000);
})();
