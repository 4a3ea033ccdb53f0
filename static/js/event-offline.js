// The hazard event form without signal. A report sent with no connection (or whose sending fails for
// lack of one) waits in IndexedDB with a key of its own and the time it was sent, then goes to the
// server when the connection returns (the same key reports once). Attachments cannot wait: a queued
// report goes without them, and the page says so. A report the server refuses is not retried: it is
// listed with the reasons and can be put back into the form.
(function () {
  "use strict";
  var panel = document.querySelector("[data-offline-report]");
  var form = document.querySelector("form[data-offline-form]");
  if (!panel || !form) return;
  var DB = "psw-offline-reports";
  var STORE = "reports";
  var SKIP = { csrfmiddlewaretoken: 1, attachments: 1 };
  var status = panel.querySelector("[data-offline-status]");
  var note = panel.querySelector("[data-offline-note]");
  var refusedBox = panel.querySelector("[data-refused]");
  var refusedList = panel.querySelector("[data-refused-list]");
  var sending = false;
  var counter = 0;

  if ("serviceWorker" in navigator) {
    var controlled = !!navigator.serviceWorker.controller;
    navigator.serviceWorker.register(panel.getAttribute("data-sw-url"), { scope: panel.getAttribute("data-sw-scope") })
      .then(function () { if (!controlled) keepShell(); })
      .catch(function () {});
  }

  // The first visit is not yet served by the worker: keep this form and its files for offline use.
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
      var req = indexedDB.open(DB, 1);
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

  function all() {
    return tx("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.n - b.n; });
    });
  }

  function waiting(items) { return items.filter(function (i) { return !i.refused; }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function say(text) {
    status.textContent = text;
    status.hidden = !text;
  }

  function show(items) {
    var n = waiting(items).length;
    if (n) {
      var fmt = panel.getAttribute(n === 1 ? "data-fmt-waiting-one" : "data-fmt-waiting-other");
      say(fmt.replace("{n}", String(n)));
    }
    var refused = items.filter(function (i) { return i.refused; });
    refusedList.textContent = "";
    refused.forEach(function (item) {
      var li = document.createElement("li");
      var when = new Date(item.at).toLocaleString();
      var title = document.createElement("strong");
      title.textContent = panel.getAttribute("data-fmt-refused").replace("{when}", when);
      li.appendChild(title);
      var reasons = document.createElement("ul");
      Object.keys(item.refused).forEach(function (field) {
        (item.refused[field] || []).forEach(function (message) {
          var r = document.createElement("li");
          r.textContent = typeof message === "string" ? message : message.message || "";
          reasons.appendChild(r);
        });
      });
      li.appendChild(reasons);
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = panel.getAttribute("data-label-put-back");
      button.addEventListener("click", function () { putBack(item); });
      li.appendChild(button);
      refusedList.appendChild(li);
    });
    refusedBox.hidden = !refused.length;
  }

  function refresh() { return all().then(show); }

  function offlineNote() { note.hidden = navigator.onLine !== false; }

  function currentToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function fieldsOf() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (!SKIP[name] && typeof value === "string") pairs.push([name, value]);
    });
    return pairs;
  }

  function putBack(item) {
    form.reset();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP[el.name] || el.type === "file") return;
      var values = item.fields.filter(function (p) { return p[0] === el.name; }).map(function (p) { return p[1]; });
      if (el.type === "checkbox" || el.type === "radio") el.checked = values.indexOf(el.value) !== -1;
      else if (values.length) el.value = values[0];
    });
    tx("readwrite", function (s) { s.delete(item.key); }).then(refresh);
    form.scrollIntoView();
  }

  // Sends one report. Resolves with the server's answer; rejects when it did not get through.
  function send(item) {
    var body = new URLSearchParams();
    item.fields.forEach(function (p) { body.append(p[0], p[1]); });
    body.append("key", item.key);
    body.append("at", item.at);
    return fetch(panel.getAttribute("data-sync-url"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": currentToken() || item.csrf, Accept: "application/json" },
    }).then(function (response) {
      var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      // Not our answer (signed out, a proxy's page, a server fault): keep the report and try later.
      if (!json || response.status >= 500) throw new Error("not sent");
      return response.json().then(function (data) {
        if (response.ok) {
          return tx("readwrite", function (s) { s.delete(item.key); }).then(function () { return data; });
        }
        // Refused (a field error, not allowed): kept to be shown, never sent again.
        item.refused = data.errors || { __all__: [String(response.status)] };
        return tx("readwrite", function (s) { s.put(item); }).then(function () { return data; });
      });
    });
  }

  function flush() {
    if (sending) return Promise.resolve();
    sending = true;
    var sent = [];
    return all().then(function loop(items) {
      var next = waiting(items)[0];
      if (!next) return;
      return send(next).then(function (data) {
        if (data.reference) sent.push(data);
        return all().then(loop);
      });
    }).catch(function () {}).then(function () {
      sending = false;
      return all().then(function (items) {
        if (!waiting(items).length) {
          var last = sent[sent.length - 1];
          say(last ? panel.getAttribute("data-fmt-sent").replace("{ref}", last.reference) : "");
        }
        show(items);
        return sent;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    var files = form.querySelector("input[type=file]");
    var hasFiles = !!(files && files.files && files.files.length);
    // With signal, a report with attachments goes the usual way.
    if (navigator.onLine !== false && hasFiles) return;
    event.preventDefault();
    var online = navigator.onLine !== false;
    var item = {
      key: newKey(),
      at: new Date().toISOString(),
      n: Date.now() * 1000 + (counter++ % 1000),
      fields: fieldsOf(),
      csrf: currentToken(),
    };
    tx("readwrite", function (s) { s.put(item); }).then(function () {
      if (!online) {
        form.reset();
        return refresh();
      }
      return flush().then(function (sent) {
        var mine = sent.filter(function (d) { return d.url; }).pop();
        return all().then(function (items) {
          var refused = items.filter(function (i) { return i.key === item.key && i.refused; })[0];
          if (refused) {
            // With signal the server shows its field errors in the form: nothing was saved.
            return tx("readwrite", function (s) { s.delete(item.key); }).then(function () { form.submit(); });
          }
          if (mine && !items.some(function (i) { return i.key === item.key; })) location.assign(mine.url);
          else form.reset();
        });
      });
    });
  });

  window.addEventListener("online", function () { offlineNote(); flush(); });
  window.addEventListener("offline", offlineNote);
  setInterval(function () {
    all().then(function (items) { if (waiting(items).length) flush(); }).catch(function () {});
  }, 30000);
  offlineNote();
  refresh().then(flush).catch(function () {});
})();
