/* An expired session loses nothing (issue 12, part 5). On every page:
   - an htmx request answered 401 (finsam.middleware.LoginRequiredResponseMiddleware)
     shows, in Swedish, that she is logged out, with a link to log in again;
   - logging out removes this user's drafts from the browser.
   In an editor (a form with data-draft-key: the budget grid, the section editor):
   - what she types is kept in localStorage, per user and per budget and scenario or
     section, and offered back when she opens the editor again ("Du har osparade
     ändringar från 14.32 – återställ dem?"); a save that succeeds removes it;
   - before the idle timeout a warning with "Fortsätt arbeta" renews the session;
   - leaving with unsaved edits asks first, but not when she saves.
   The server gives the user, the timeouts, the URLs and the Swedish texts (through
   gettext) in this script element's data attributes (templates/finsam/partials/session_script.html): no inline script, as
   the Content-Security-Policy requires. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var cfg = script.dataset;
  var userId = cfg.user || "";
  var posted = cfg.posted === "1"; // this page answers a POST: its form holds her input
  var DRAFTS = "finsam-draft:";
  var SAVING = "finsam-draft-saving"; // sessionStorage: a save was sent from this tab
  var CONTACT = "finsam-session-deadline:" + userId;
  var DRAFT_DAYS = 7;
  var CHECK_AGAIN = 5000;

  function store(kind) {
    try {
      var s = window[kind];
      s.setItem("finsam-test", "1");
      s.removeItem("finsam-test");
      return s;
    } catch (e) {
      return null;
    }
  }
  var local = store("localStorage");
  var tab = store("sessionStorage");

  function readJson(storage, key) {
    if (!storage) return null;
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function userDraftKeys(user) {
    var keys = [];
    if (!local) return keys;
    for (var i = 0; i < local.length; i++) {
      var key = local.key(i);
      if (key && key.indexOf(DRAFTS + (user === undefined ? "" : user + ":")) === 0) keys.push(key);
    }
    return keys;
  }

  // Drafts older than a week are dropped (whoever they belong to).
  userDraftKeys().forEach(function (key) {
    var draft = readJson(local, key);
    if (!draft || !draft.at || Date.now() - draft.at > DRAFT_DAYS * 864e5) local.removeItem(key);
  });

  // The first page after a save from this tab: if it was reached by the redirect
  // after the POST, with this user still logged in, the save succeeded and the
  // draft goes. The login page, a page answering the POST (errors, conflict), an
  // error status, or a page reached otherwise (back after an error page without
  // this script) keep it.
  var saving = readJson(tab, SAVING);
  if (tab) tab.removeItem(SAVING);
  if (saving && local && userId && String(saving.user) === userId && !posted &&
      Date.now() - saving.at < 5 * 60000 && redirectedHere()) {
    local.removeItem(saving.key);
  }

  function redirectedHere() {
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    var nav = entries[0];
    if (!nav) return true; // no Navigation Timing: the checks above must do
    return nav.type === "navigate" && nav.redirectCount > 0 && (nav.responseStatus || 200) < 400;
  }

  // --- messages ------------------------------------------------------------------

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) node.textContent = text;
    return node;
  }

  function banner(id, kind, role) {
    var node = document.getElementById(id);
    if (!node) {
      node = el("div", { id: id, role: role, "class": "alert alert-" + kind + " session-banner shadow" });
      var main = document.getElementById("main") || document.body;
      main.insertBefore(node, main.firstChild);
    }
    node.textContent = "";
    return node;
  }

  function removeNode(id) {
    var node = document.getElementById(id);
    if (node) node.parentNode.removeChild(node);
  }

  // A text from the template (data-t-NAME), with %(param)s filled in.
  function t(name, params) {
    var text = cfg["t" + name] || "";
    Object.keys(params || {}).forEach(function (key) {
      text = text.split("%(" + key + ")s").join(String(params[key]));
    });
    return text;
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // "14.32" in Europe/Stockholm (the Swedish way of writing a time); another day
  // than today gets its date: "28 november 14.32".
  function clock(ms) {
    var zone = cfg.timeZone || "Europe/Stockholm";
    var when = new Date(ms);
    try {
      var time = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
        .format(when).replace(":", ".");
      var day = new Intl.DateTimeFormat("sv-SE", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
      if (day.format(when) === day.format(new Date())) return time;
      return new Intl.DateTimeFormat("sv-SE", { timeZone: zone, day: "numeric", month: "long" }).format(when) + " " + time;
    } catch (e) {
      return pad(when.getHours()) + "." + pad(when.getMinutes());
    }
  }

  function inTime(ms) {
    var minutes = Math.round(ms / 60000);
    if (minutes >= 2) return t("Minutes", { n: minutes });
    if (minutes === 1) return t("Minute");
    var seconds = Math.max(1, Math.round(ms / 1000));
    return seconds === 1 ? t("Second") : t("Seconds", { n: seconds });
  }

  // --- the editor's draft ---------------------------------------------------------

  var form = userId ? document.querySelector("form[data-draft-key]") : null;
  var draftKey = form ? DRAFTS + userId + ":" + form.getAttribute("data-draft-key") : null;
  var pageUrl = form ? form.getAttribute("data-draft-page") || location.pathname + location.search : null;
  var dirty = false;      // edits not saved on the server
  var leaving = false;    // she saves, discards, or goes to log in: no question
  var loggingOut = false; // her drafts are being removed: keep none
  var editedAt = 0;
  var storeTimer = null;

  function fieldsOf(target) {
    var out = [];
    Array.prototype.forEach.call(target.elements, function (field) {
      var type = (field.type || "").toLowerCase();
      if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") return;
      if (["submit", "button", "reset", "file", "image"].indexOf(type) >= 0) return;
      if ((type === "checkbox" || type === "radio") && !field.checked) return;
      if (field.multiple && field.options) {
        Array.prototype.forEach.call(field.options, function (option) {
          if (option.selected) out.push([field.name, option.value]);
        });
        return;
      }
      out.push([field.name, field.value]);
    });
    return out;
  }

  function storeNow() {
    clearTimeout(storeTimer);
    storeTimer = null;
    if (!form || !local || loggingOut || !dirty) return;
    try {
      local.setItem(draftKey, JSON.stringify({ v: 1, at: editedAt || Date.now(), page: pageUrl, fields: fieldsOf(form) }));
    } catch (e) { /* full or refused: nothing more to do */ }
  }

  function storeSoon() {
    if (!storeTimer) storeTimer = setTimeout(storeNow, 250);
  }

  function removeDraft() {
    if (local && draftKey) local.removeItem(draftKey);
  }

  function onEdit(event) {
    // When she typed: the input events. A text field's change event comes when it
    // loses focus (a click on "Logga in igen" a minute later), which is no edit.
    if (event.isTrusted && (event.type === "input" || !editedAt)) editedAt = Date.now();
    dirty = true;
    leaving = false;
    loggingOut = false;
    storeSoon();
  }

  function sameFields(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  function namesOf(fields) {
    return fields.map(function (pair) { return pair[0]; }).join("\n");
  }

  // Put the draft's values back in the form, where the form has the same fields;
  // a grid whose rows or columns differ is rebuilt by the server instead
  // (data-draft-replay: a layout action that changes nothing, nothing saved).
  function restore(draft) {
    var current = fieldsOf(form);
    var replay = form.getAttribute("data-draft-replay");
    if (namesOf(current) !== namesOf(draft.fields) && replay) {
      var rebuild = el("form", { method: "post", action: form.getAttribute("action") || location.href, hidden: "" });
      var token = form.querySelector('input[name="csrfmiddlewaretoken"]');
      var pairs = [["csrfmiddlewaretoken", token ? token.value : ""]].concat(draft.fields, [["action", replay]]);
      pairs.forEach(function (pair) {
        rebuild.appendChild(el("input", { type: "hidden", name: pair[0], value: pair[1] }));
      });
      document.body.appendChild(rebuild);
      leaving = true;
      rebuild.submit();
      return;
    }
    var byName = {};
    draft.fields.forEach(function (pair) { (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]); });
    var seen = {};
    editedAt = draft.at;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!field.name || !byName.hasOwnProperty(field.name) || field.name === "csrfmiddlewaretoken") return;
      var type = (field.type || "").toLowerCase();
      if (["submit", "button", "reset", "file", "image"].indexOf(type) >= 0) return;
      var values = byName[field.name];
      var before = type === "checkbox" || type === "radio" ? field.checked : field.value;
      if (type === "checkbox" || type === "radio") {
        field.checked = values.indexOf(field.value) >= 0;
      } else {
        var at = seen[field.name] || 0;
        seen[field.name] = at + 1;
        if (at < values.length) field.value = values[at];
      }
      var after = type === "checkbox" || type === "radio" ? field.checked : field.value;
      if (before !== after) {
        // As if typed: the grid recomputes, the section's preview follows.
        field.dispatchEvent(new Event("input", { bubbles: true }));
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    dirty = true;
    storeNow();
  }

  function offer(draft) {
    var box = el("div", { id: "draft-offer", role: "status", "class": "alert alert-info d-flex flex-wrap align-items-center gap-2" });
    box.appendChild(el("span", { "class": "me-auto" }, t("Offer", { time: clock(draft.at) })));
    var yes = el("button", { type: "button", "class": "btn btn-primary btn-sm" }, t("Restore"));
    var no = el("button", { type: "button", "class": "btn btn-outline-dark btn-sm" }, t("Discard"));
    box.appendChild(yes);
    box.appendChild(no);
    yes.addEventListener("click", function () {
      removeNode("draft-offer");
      restore(draft);
    });
    no.addEventListener("click", function () {
      removeNode("draft-offer");
      if (dirty) storeNow(); else removeDraft();
    });
    form.parentNode.insertBefore(box, form);
  }

  if (form) {
    if (posted) {
      // The server sent her input back (a layout action, errors, a conflict): that
      // is the draft now, unsaved; and the address is the editor's page, not the
      // POST-only URL (a reload, or a login after the session ends, comes back here).
      dirty = true;
      editedAt = Date.now();
      storeNow();
      if (pageUrl && location.pathname + location.search !== pageUrl && window.history && history.replaceState) {
        history.replaceState(history.state, "", pageUrl);
      }
    } else {
      var draft = readJson(local, draftKey);
      if (draft && draft.fields) {
        if (sameFields(draft.fields, fieldsOf(form))) removeDraft();
        else offer(draft);
      }
    }
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    // The grid changed without typing (an action answered in place, an undo).
    form.addEventListener("finsam:edited", onEdit);
    form.addEventListener("submit", function () {
      storeNow();
      leaving = true;
      if (tab) tab.setItem(SAVING, JSON.stringify({ user: userId, key: draftKey, at: Date.now() }));
    });
    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("[data-draft-discard]") : null;
      if (!link) return;
      leaving = true;
      dirty = false;
      removeDraft();
    });
    window.addEventListener("beforeunload", function (event) {
      if (!dirty || leaving || loggingOut) return;
      storeNow();
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
    window.addEventListener("pagehide", storeNow);
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) leaving = false;
    });
  }

  // Logging out removes her drafts from this browser (a shared computer).
  document.addEventListener("submit", function (event) {
    if (!userId || event.target.getAttribute("action") !== cfg.logoutUrl) return;
    loggingOut = true;
    clearTimeout(storeTimer);
    userDraftKeys(userId).forEach(function (key) { local.removeItem(key); });
    if (local) local.removeItem(CONTACT);
  });

  // --- the session ------------------------------------------------------------------

  var idleMs = Number(cfg.idleTimeout || 0) * 1000;
  var warnMs = Number(cfg.idleWarning || 0) * 1000;
  var started = Date.now();
  var deadline = started + idleMs;            // the idle limit, as far as this tab knows
  var lifetimeEnd = started + Number(cfg.lifetimeLeft || 0) * 1000; // the 12 hours
  var expired = false;
  var timer = null;

  function share() {
    if (!local || !userId) return;
    var known = Number(local.getItem(CONTACT) || 0);
    if (deadline > known) {
      try { local.setItem(CONTACT, String(deadline)); } catch (e) { /* ignore */ }
    } else if (known > deadline) {
      deadline = known; // another tab was active later
    }
  }

  function loginHref() {
    var back = pageUrl || location.pathname + location.search;
    return cfg.loginUrl + "?next=" + encodeURIComponent(back);
  }

  function showExpired() {
    var box = banner("session-expired", "danger", "alert");
    box.appendChild(el("strong", {}, t("LoggedOut")));
    box.appendChild(document.createTextNode(" " + (form ? t("ExpiredEditor") : t("Expired")) + " "));
    var link = el("a", { href: loginHref(), "class": "alert-link" }, t("LogIn"));
    link.addEventListener("click", function () {
      storeNow();
      leaving = true;
    });
    box.appendChild(link);
  }

  function showWarning(end) {
    var renewable = end < lifetimeEnd;
    var left = inTime(end - Date.now());
    var box = banner("session-warning", "warning", "alert");
    box.classList.add("d-flex", "flex-wrap", "align-items-center", "gap-2");
    box.appendChild(el("span", { "class": "me-auto" }, t(renewable ? "Idle" : "Lifetime", { when: left })));
    if (renewable) {
      var button = el("button", { type: "button", "class": "btn btn-primary btn-sm" }, t("KeepWorking"));
      button.addEventListener("click", keepAlive);
      box.appendChild(button);
    }
  }

  function setExpired() {
    if (expired) return;
    expired = true;
    clearTimeout(timer);
    removeNode("session-warning");
    storeNow();
    showExpired();
  }

  function learn(data) {
    var now = Date.now();
    deadline = now + Number(data.idle_left || 0) * 1000;
    lifetimeEnd = now + Number(data.lifetime_left || 0) * 1000;
    if (local && userId) {
      try { local.setItem(CONTACT, String(deadline)); } catch (e) { /* ignore */ }
    }
  }

  function request(method) {
    var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
    var headers = { Accept: "application/json" };
    if (method === "POST" && token) headers["X-CSRFToken"] = token.value;
    return fetch(cfg.statusUrl, { method: method, headers: headers, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.status === 401) return { authenticated: false };
        if (!response.ok) throw new Error(String(response.status));
        return response.json();
      });
  }

  function sameUser(data) {
    return data.authenticated && String(data.user) === userId;
  }

  // At the limit: ask the server (without moving the expiry) whether the session
  // still lives; another tab may have kept it alive.
  function check() {
    request("GET").then(function (data) {
      if (!sameUser(data)) { setExpired(); return; }
      learn(data);
      if (Math.min(deadline, lifetimeEnd) - Date.now() < CHECK_AGAIN) {
        clearTimeout(timer);
        timer = setTimeout(check, CHECK_AGAIN);
      } else {
        schedule();
      }
    }, function () {
      clearTimeout(timer);
      timer = setTimeout(check, 30000);
    });
  }

  function keepAlive() {
    request("POST").then(function (data) {
      if (!sameUser(data)) { setExpired(); return; }
      learn(data);
      removeNode("session-warning");
      schedule();
    }, check);
  }

  function schedule() {
    clearTimeout(timer);
    if (expired || !form || !idleMs) return;
    share();
    var now = Date.now();
    var end = Math.min(deadline, lifetimeEnd);
    if (now >= end) { check(); return; }
    if (now >= end - warnMs) {
      showWarning(end);
      timer = setTimeout(schedule, end - now);
    } else {
      removeNode("session-warning");
      timer = setTimeout(schedule, Math.min(end - warnMs - now, 2147483000));
    }
  }

  // A login in another tab: this page may go on, with the new CSRF token.
  function recover() {
    request("GET").then(function (data) {
      if (!sameUser(data)) return;
      expired = false;
      removeNode("session-expired");
      document.querySelectorAll('input[name="csrfmiddlewaretoken"]').forEach(function (input) {
        input.value = data.csrf;
      });
      document.querySelectorAll("[hx-headers]").forEach(function (node) {
        try {
          var headers = JSON.parse(node.getAttribute("hx-headers"));
          if (headers["X-CSRFToken"]) {
            headers["X-CSRFToken"] = data.csrf;
            node.setAttribute("hx-headers", JSON.stringify(headers));
          }
        } catch (e) { /* not JSON: leave it */ }
      });
      learn(data);
      schedule();
    }, function () { /* offline: try at the next visit */ });
  }

  // Every htmx request that the server answered moves the idle limit; 401 means the
  // session has ended.
  var sentAt = typeof WeakMap === "function" ? new WeakMap() : null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (sentAt && event.detail && event.detail.xhr) sentAt.set(event.detail.xhr, Date.now());
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr || !userId) return;
    if (xhr.status === 401) {
      setExpired();
    } else if (xhr.status > 0 && !expired) {
      var at = (sentAt && sentAt.get(xhr)) || Date.now();
      deadline = Math.max(deadline, at + idleMs);
      schedule();
    }
  });

  // The grid's own requests (grid.js uses fetch) report their status the same way.
  document.addEventListener("finsam:response", function (event) {
    var status = event.detail && event.detail.status;
    if (!userId || !status) return;
    if (status === 401) setExpired();
    else if (!expired) { deadline = Math.max(deadline, Date.now() + idleMs); schedule(); }
  });

  window.addEventListener("storage", function (event) {
    if (event.key === CONTACT && event.newValue && Number(event.newValue) > deadline) {
      deadline = Number(event.newValue);
      schedule();
    }
  });
  function onReturn() {
    if (document.visibilityState === "hidden" || !userId) return;
    if (expired) recover(); else schedule();
  }
  document.addEventListener("visibilitychange", onReturn);
  window.addEventListener("focus", onReturn);

  if (userId) schedule();
})();
