// The visit page without signal. Start, check in, check out and the alarm are queued in IndexedDB
// with the time the button was pressed and a key of their own, then sent (the same key acts once on
// the server). Sending is tried at once, when the connection returns and every few seconds; the
// page says how many actions are waiting. An alarm that is not confirmed offers a call or text
// to the team. The lone-worker timers run on the server whatever happens here.
(function () {
  "use strict";
  var panel = document.querySelector("[data-offline-visit]");
  if (!panel) return;
  var STORE = "actions";
  var status = panel.querySelector("[data-offline-status]");
  var lastCheckIn = panel.querySelector("[data-last-check-in]");
  var fallback = document.querySelector("[data-alarm-fallback]");
  var counter = 0;
  var sending = false;

  if ("serviceWorker" in navigator) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(panel.getAttribute("data-sw-url"), { scope: panel.getAttribute("data-sw-scope") })
      .then(function () { if (!controlled) keepShell(); })
      .then(forgetNarrowScope)
      .catch(function () {});
  }

  // The worker once had the scope /safety/visits/ only: that registration is no longer needed.
  function forgetNarrowScope() {
    return navigator.serviceWorker.getRegistrations().then(function (regs) {
      regs.forEach(function (reg) {
        if (/\/safety\/visits\/$/.test(reg.scope)) reg.unregister();
      });
    });
  }

  // The first visit is not yet served by the worker: keep this page and its files for offline use.
  function keepShell() {
    if (!window.caches) return;
    var files = [];
    document.querySelectorAll("link[rel=stylesheet][href], script[src]").forEach(function (el) {
      files.push(el.href || el.src);
    });
    caches.open("psw-static-v1").then(function (cache) { return cache.addAll(files); }).catch(function () {});
    caches.open("psw-visit-pages-v1").then(function (cache) { return cache.add(location.href); }).catch(function () {});
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("psw-offline", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }

  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var result = work(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : undefined); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }

  function waiting() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.at < b.at ? -1 : a.at > b.at ? 1 : a.n - b.n; });
    });
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function show(items) {
    var n = items.length;
    if (n) {
      var fmt = panel.getAttribute(n === 1 ? "data-fmt-waiting-one" : "data-fmt-waiting-other");
      status.textContent = fmt.replace("{n}", String(n));
      status.hidden = false;
    } else {
      status.textContent = "";
      status.hidden = true;
    }
    if (fallback) fallback.hidden = !items.some(function (i) { return i.action === "alarm"; });
  }

  function refresh() { return waiting().then(show); }

  // This page's token: one kept with an old action is stale after signing in again.
  function currentToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function send(item) {
    var body = new URLSearchParams();
    ["key", "action", "at", "extend_minutes", "code"].forEach(function (f) { body.append(f, item[f] || ""); });
    return fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": currentToken() || item.csrf, Accept: "application/json" },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      // Not our answer (signed out, a proxy's page, a server fault): keep the action and try later.
      if (!json || response.status >= 500) throw new Error("not sent");
      return response.json().then(function (data) {
        if (response.ok && data.last_check_in && lastCheckIn) lastCheckIn.textContent = data.last_check_in;
        return tx("readwrite", function (s) { s.delete(item.key); });
      });
    });
  }

  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    var sent = 0;
    return waiting().then(function loop(items) {
      if (!items.length) return items;
      return send(items[0]).then(function () {
        sent += 1;
        return waiting().then(loop);
      });
    }).catch(function () {}).then(function () {
      sending = false;
      return waiting().then(function (items) {
        show(items);
        // Everything confirmed: show the visit as the server now has it.
        if (sent && !items.length) location.assign(panel.getAttribute("data-visit-url"));
      });
    });
  }

  document.querySelectorAll("form[data-offline-action]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var data = new FormData(form);
      var item = {
        key: newKey(),
        url: panel.getAttribute("data-sync-url"),
        action: form.getAttribute("data-offline-action"),
        at: new Date().toISOString(),
        n: Date.now() * 1000 + (counter++ % 1000),
        extend_minutes: data.get("extend_minutes") || "",
        code: data.get("code") || "",
        csrf: data.get("csrfmiddlewaretoken") || "",
      };
      form.reset();
      tx("readwrite", function (s) { s.put(item); }).then(refresh).then(flush);
    });
  });

  window.addEventListener("online", flush);
  var tick = 0;
  setInterval(function () {
    tick += 1;
    waiting().then(function (items) {
      // An unconfirmed alarm is retried every few seconds; other actions twice a minute.
      var alarm = items.some(function (i) { return i.action === "alarm"; });
      if (items.length && (alarm || tick % 6 === 0)) flush();
    }).catch(function () {});
  }, 5000);
  refresh().then(flush).catch(function () {});
})();
