// No lost work: forms marked <form data-autosave="KEY"> keep a draft on the server (accounts/drafts.py),
// restored when the user comes back to the form; and a warning one minute before the session ends.
// Loaded for signed-in users only (templates/base.html); every page still works without it.
(function () {
  "use strict";
  var body = document.body;
  var DEBOUNCE_MS = 2000;
  var WARN_BEFORE = 60; // seconds
  var KEEPALIVE_LIMIT = 60000; // bytes a keepalive fetch may carry (browsers allow 64 KiB in all)
  var SKIP_TYPES = { file: 1, password: 1, submit: 1, button: 1, reset: 1, image: 1 };
  var SKIP_NAMES = { csrfmiddlewaretoken: 1, form_token: 1 };
  var SKIP_SUFFIX = /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/;
  var forms = [];

  function csrfToken() {
    try {
      return JSON.parse(body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function escapeRe(text) {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  }

  function request(url, options) {
    options = options || {};
    var headers = { Accept: "application/json", "X-CSRFToken": csrfToken() };
    if (options.json !== undefined) headers["Content-Type"] = "application/json";
    if (options.passive) headers["X-Session-Passive"] = "1";
    return fetch(url, {
      method: options.method || "GET",
      credentials: "same-origin",
      headers: headers,
      body: options.json,
      keepalive: !!options.keepalive,
      // A signed-out session answers with a redirect to the sign-in page: not followed, seen as a failure.
      redirect: "manual",
    }).then(function (response) {
      var remaining = response.headers.get("X-Session-Remaining");
      if (remaining !== null) session.update(parseInt(remaining, 10));
      return response;
    });
  }

  // --- drafts -----------------------------------------------------------------------------------
  function draftUrl(key, withOpened) {
    var url = body.dataset.draftUrl.replace("__key__", encodeURIComponent(key));
    return withOpened ? url + "?opened=" + encodeURIComponent(body.dataset.pageOpened || "") : url;
  }

  function kept(el) {
    if (!el.name || el.disabled || SKIP_TYPES[el.type] || SKIP_NAMES[el.name]) return false;
    return !SKIP_SUFFIX.test(el.name) && !/password/i.test(el.name) && !el.hasAttribute("data-autosave-skip");
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, kept);
  }

  function collect(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox") {
        if (!Array.isArray(values[el.name])) values[el.name] = [];
        if (el.checked) values[el.name].push(el.value);
      } else if (el.type === "radio") {
        if (!(el.name in values)) values[el.name] = "";
        if (el.checked) values[el.name] = el.value;
      } else if (el.type === "select-multiple") {
        values[el.name] = Array.prototype.filter
          .call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function defaultIndex(select) {
    for (var i = 0; i < select.options.length; i++) if (select.options[i].defaultSelected) return i;
    return select.options.length ? 0 : -1;
  }

  // Has the user changed anything since the page was shown?
  function changed(form) {
    return fields(form).some(function (el) {
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.type === "select-one") return el.selectedIndex !== defaultIndex(el);
      if (el.type === "select-multiple") {
        return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
      }
      return el.value !== el.defaultValue;
    });
  }

  function apply(form, values) {
    fields(form).forEach(function (el) {
      if (!Object.prototype.hasOwnProperty.call(values, el.name)) return;
      var value = values[el.name];
      var list = Array.isArray(value) ? value : [value];
      if (el.type === "checkbox") el.checked = list.indexOf(el.value) !== -1;
      else if (el.type === "radio") el.checked = el.value === value;
      else if (el.type === "select-multiple") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = list.indexOf(o.value) !== -1; });
      } else if (typeof value === "string") el.value = value;
    });
  }

  // Formset rows (e.g. the persons of a referral): a draft may have more rows than the page shows.
  function cloneRow(row, prefix, index) {
    var clone = row.cloneNode(true);
    var pattern = new RegExp(escapeRe(prefix) + "-\\d+-", "g");
    var replacement = prefix + "-" + index + "-";
    Array.prototype.forEach.call(clone.querySelectorAll("*"), function (el) {
      ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(pattern, replacement));
      });
      el.removeAttribute("aria-invalid");
      if (el.classList.contains("error")) el.remove();
      el.classList.remove("has-error");
      if (el.hasAttribute("data-row-number")) el.textContent = el.textContent.replace(/\d+/, String(index + 1));
      if (el.type === "checkbox" || el.type === "radio") el.checked = el.defaultChecked;
      else if (el.tagName === "SELECT") {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = o.defaultSelected; });
        if (el.type === "select-one") el.selectedIndex = defaultIndex(el);
      } else if (el.tagName === "TEXTAREA") {
        el.value = el.defaultValue = "";
      } else if (el.tagName === "INPUT") {
        el.value = el.defaultValue = "";
      }
    });
    var testid = clone.getAttribute("data-testid");
    if (testid) clone.setAttribute("data-testid", testid.replace(/\d+$/, String(index)));
    return clone;
  }

  function addRows(state, values) {
    var form = state.form;
    Array.prototype.forEach.call(form.querySelectorAll("input[name$='-TOTAL_FORMS']"), function (total) {
      var prefix = total.name.slice(0, -"-TOTAL_FORMS".length);
      var rows = form.querySelectorAll("[data-formset-row='" + prefix + "']");
      if (!rows.length) return;
      var maxInput = form.querySelector("input[name='" + prefix + "-MAX_NUM_FORMS']");
      var max = (maxInput && parseInt(maxInput.value, 10)) || 1000;
      var pattern = new RegExp("^" + escapeRe(prefix) + "-(\\d+)-");
      var wanted = 0;
      Object.keys(values).forEach(function (name) {
        var match = pattern.exec(name);
        if (match) wanted = Math.max(wanted, parseInt(match[1], 10) + 1);
      });
      var count = parseInt(total.value, 10) || rows.length;
      wanted = Math.min(wanted, max);
      if (wanted <= count) return;
      state.totals.push([total, total.value]);
      var last = rows[rows.length - 1];
      for (; count < wanted; count++) {
        var clone = cloneRow(last, prefix, count);
        last.parentNode.insertBefore(clone, last.nextSibling);
        state.clones.push(clone);
        last = clone;
      }
      total.value = String(count);
    });
  }

  function status(state, text) {
    if (!state.status) {
      state.status = document.createElement("p");
      state.status.className = "draft-status";
      state.status.setAttribute("data-testid", "draft-status");
      state.form.appendChild(state.status);
    }
    state.status.textContent = text;
  }

  function save(state, keepalive) {
    clearTimeout(state.timer);
    state.timer = null;
    if (!state.dirty || state.sent || !state.ready) return Promise.resolve();
    state.dirty = false;
    var json = JSON.stringify(collect(state.form));
    return request(draftUrl(state.key, true), {
      method: "PUT",
      json: json,
      keepalive: keepalive && json.length < KEEPALIVE_LIMIT,
    })
      .then(function (response) {
        if (response.status === 409) return; // the form was sent meanwhile
        if (!response.ok) throw new Error("not saved");
        return response.json().then(function (data) { status(state, data.message); });
      })
      .catch(function () {
        state.dirty = true; // try again with the next change
        status(state, template.getAttribute("data-not-saved"));
      });
  }

  function schedule(state) {
    state.dirty = true;
    clearTimeout(state.timer);
    state.timer = setTimeout(function () { save(state); }, DEBOUNCE_MS);
  }

  function showNotice(state, message) {
    var notice = template.content.firstElementChild.cloneNode(true);
    notice.querySelector("[data-draft-message]").textContent = message;
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () { discard(state); });
    state.notice = notice;
    state.form.insertBefore(notice, state.form.firstChild);
  }

  function discard(state) {
    request(draftUrl(state.key, false), { method: "DELETE" })
      .then(function (response) {
        if (!response.ok) throw new Error("not discarded");
        return response.json();
      })
      .then(function (data) {
        clearTimeout(state.timer);
        state.dirty = false;
        state.clones.forEach(function (clone) { clone.remove(); });
        state.totals.forEach(function (pair) { pair[0].value = pair[1]; });
        state.clones = [];
        state.totals = [];
        apply(state.form, state.before);
        if (state.notice) state.notice.remove();
        state.notice = null;
        status(state, data.message);
        var first = fields(state.form).filter(function (el) { return el.type !== "hidden"; })[0];
        if (first) first.focus();
      })
      .catch(function () { status(state, template.getAttribute("data-not-saved")); });
  }

  function restore(state) {
    return request(draftUrl(state.key, false))
      .then(function (response) {
        if (response.status !== 200) return;
        return response.json().then(function (draft) {
          if (changed(state.form)) return; // the user started typing meanwhile: what they type wins
          state.before = collect(state.form);
          addRows(state, draft.values);
          apply(state.form, draft.values);
          showNotice(state, draft.message);
        });
      })
      .catch(function () { /* no draft to offer: the form stays as it is */ });
  }

  function setUp(form) {
    var state = {
      form: form,
      key: form.getAttribute("data-autosave"),
      timer: null,
      dirty: false,
      sent: false,
      ready: false,
      clones: [],
      totals: [],
      before: {},
      notice: null,
      status: null,
    };
    forms.push(state);
    form.addEventListener("input", function () { schedule(state); });
    form.addEventListener("change", function () { schedule(state); });
    var bound = form.hasAttribute("data-autosave-bound");
    var ready = bound ? Promise.resolve() : restore(state);
    ready.then(function () {
      state.ready = true;
      // A form sent back with errors holds the newest values: keep them at once.
      if (bound) state.dirty = true;
      if (state.dirty) save(state);
    });
  }

  // Sent forms keep no draft (the server discards it when the form is accepted).
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) return;
    forms.forEach(function (state) {
      if (state.form === event.target) {
        clearTimeout(state.timer);
        state.sent = true;
      }
    });
  });

  function saveAll(keepalive) {
    return Promise.all(forms.map(function (state) { return save(state, keepalive); }));
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") saveAll(true);
  });
  window.addEventListener("pagehide", function () { saveAll(true); });
  // If the page comes back from the back/forward cache, its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) forms.forEach(function (state) { state.sent = false; });
  });

  // --- the session warning ----------------------------------------------------------------------
  var dialog = document.getElementById("session-warning");
  var session = {
    warnTimer: null,
    endTimer: null,
    update: function (remaining) {
      if (isNaN(remaining) || (dialog && dialog.open)) return;
      clearTimeout(session.warnTimer);
      clearTimeout(session.endTimer);
      session.warnTimer = setTimeout(session.check, Math.max(0, remaining - WARN_BEFORE) * 1000);
      session.endTimer = setTimeout(session.atEnd, (remaining + 1) * 1000);
    },
    // Ask how long is left without counting as activity (another tab may have kept the session alive).
    status: function () {
      return request(body.dataset.sessionStatusUrl, { passive: true }).then(function (response) {
        if (!response.ok) return 0;
        return response.json().then(function (data) { return data.remaining || 0; });
      });
    },
    check: function () {
      session.status().then(function (remaining) {
        if (remaining > WARN_BEFORE + 5) return session.update(remaining);
        saveAll(false);
        if (remaining <= 0) return session.ended();
        session.show("warn");
      }, function () {});
    },
    atEnd: function () {
      session.status().then(function (remaining) {
        if (remaining <= 0) return session.ended();
        if (remaining > WARN_BEFORE) {
          if (dialog.open) dialog.close();
          return session.update(remaining);
        }
        session.endTimer = setTimeout(session.atEnd, (remaining + 1) * 1000);
      }, function () {});
    },
    ended: function () {
      saveAll(false);
      clearTimeout(session.warnTimer);
      clearTimeout(session.endTimer);
      session.show("ended");
    },
    show: function (mode) {
      if (!dialog) return;
      dialog.querySelector("[data-session-text]").hidden = mode !== "warn";
      dialog.querySelector("[data-session-keep]").hidden = mode !== "warn";
      dialog.querySelector("[data-session-final]").hidden = mode !== "final";
      dialog.querySelector("[data-session-ended]").hidden = mode !== "ended";
      dialog.querySelector("[data-session-signin]").hidden = mode !== "ended";
      dialog.querySelector("[data-session-close]").hidden = mode === "warn";
      var label = { warn: "session-warning-text", final: "session-warning-final", ended: "session-warning-ended" };
      dialog.setAttribute("aria-labelledby", label[mode]);
      if (!dialog.open) {
        if (typeof dialog.showModal === "function") dialog.showModal();
        else dialog.setAttribute("open", "");
      }
      var focus = dialog.querySelector(
        mode === "warn" ? "[data-session-keep]" : mode === "ended" ? "[data-session-signin]" : "[data-session-close]"
      );
      if (focus) focus.focus();
    },
    keep: function () {
      request(body.dataset.sessionKeepaliveUrl, { method: "POST" })
        .then(function (response) {
          if (!response.ok) throw new Error("signed out");
          return response.json();
        })
        .then(function (data) {
          if (data.remaining <= WARN_BEFORE) return session.show("final"); // the absolute limit is near
          dialog.close();
          session.update(data.remaining);
        })
        .catch(function () { session.ended(); });
    },
  };

  var template = document.getElementById("draft-notice-template");
  if (!body.dataset.draftUrl || !template) return;
  if (dialog) {
    dialog.querySelector("[data-session-keep]").addEventListener("click", session.keep);
    dialog.querySelector("[data-session-close]").addEventListener("click", function () { dialog.close(); });
    // Requests made by htmx count as activity too: follow the time left they report.
    document.addEventListener("htmx:afterRequest", function (event) {
      var xhr = event.detail && event.detail.xhr;
      var remaining = xhr && xhr.getResponseHeader("X-Session-Remaining");
      if (remaining) session.update(parseInt(remaining, 10));
    });
    session.update(parseInt(body.dataset.sessionRemaining, 10));
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-autosave]"), setUp);
})();
