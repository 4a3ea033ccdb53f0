// Browser push on /accounts/push/: registers the push service worker (/push-sw.js), asks
// the browser for a push subscription and hands it to the server; or turns it off on this device.
// The server pushes a reference and a status only (accounts/push.py); every notice also stays in
// the case system, e-mail and SMS, so nothing depends on this page working.
(function () {
  "use strict";
  var root = document.getElementById("push-settings");
  if (!root || root.dataset.available !== "1") return;
  var status = root.querySelector("[data-push-status]");
  var onButton = root.querySelector("[data-push-on]");
  var offButton = root.querySelector("[data-push-off]");
  var msg = root.dataset;

  function say(text) {
    status.textContent = text;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual",
      headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(data),
    }).then(function (response) {
      if (response.ok) return response.json();
      return response
        .json()
        .catch(function () {
          return {};
        })
        .then(function (body) {
          throw new Error(body.detail || msg.msgFailed);
        });
    });
  }

  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function show(on) {
    onButton.hidden = on;
    offButton.hidden = !on;
    say(on ? msg.msgOn : msg.msgOff);
  }

  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say(msg.msgUnsupported);
    return;
  }

  // Scope: this page only. Pushes reach a worker whatever its scope, and a tap may open any page of the
  // site, so the push worker never takes the place of another worker of the site (one per scope).
  var registration = navigator.serviceWorker.register(root.dataset.workerUrl, { scope: root.dataset.scope }).then(function () {
    return navigator.serviceWorker.ready;
  });

  function current() {
    return registration.then(function (reg) {
      return reg.pushManager.getSubscription();
    });
  }

  function turnOn() {
    onButton.disabled = true;
    say(msg.msgWorking);
    Notification.requestPermission()
      .then(function (permission) {
        if (permission !== "granted") throw new Error(msg.msgDenied);
        return registration;
      })
      .then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(msg.vapidKey) });
      })
      .then(function (subscription) {
        return post(msg.subscribeUrl, subscription.toJSON());
      })
      .then(function () {
        window.location.reload(); // the device list below shows the new device
      })
      .catch(function (error) {
        onButton.disabled = false;
        say(error && error.message && error.message.length < 300 ? error.message : msg.msgFailed);
      });
  }

  function turnOff() {
    offButton.disabled = true;
    say(msg.msgWorking);
    current()
      .then(function (subscription) {
        if (!subscription) return null;
        var endpoint = subscription.endpoint;
        return subscription.unsubscribe().then(function () {
          return post(msg.unsubscribeUrl, { endpoint: endpoint }).catch(function () {
            return null; // already forgotten by the server: nothing left to do
          });
        });
      })
      .then(function () {
        window.location.reload();
      })
      .catch(function () {
        offButton.disabled = false;
        say(msg.msgFailed);
      });
  }

  onButton.addEventListener("click", turnOn);
  offButton.addEventListener("click", turnOff);

  current()
    .then(function (subscription) {
      // On only if the server still has this device (it may have been removed from the list below).
      var known = subscription && document.querySelector('[data-endpoint="' + CSS.escape(subscription.endpoint) + '"]');
      if (known && Notification.permission === "granted") {
        show(true);
      } else {
        show(false);
        if (Notification.permission === "denied") say(msg.msgDenied);
      }
    })
    .catch(function () {
      show(false);
    });
})();
