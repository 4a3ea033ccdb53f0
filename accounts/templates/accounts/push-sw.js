// Browser push for the case system (accounts/push_views.py serves this at /push-sw.js; static/js/push.js
// registers it for the scope /accounts/push/ so it never replaces another worker of the site).
// It keeps nothing: it shows what the server pushed (a reference and a status, never names or
// narratives) and, when the notification is tapped, opens the pushed page of this site.
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (e) {
    data = {};
  }
  var title = data.title || self.location.host;
  event.waitUntil(
    self.registration.showNotification(title, {
      body: data.body || "",
      tag: data.tag || "notice",
      renotify: true,
      requireInteraction: true,
      data: { url: data.url || "/" },
    })
  );
});

function sameSite(url) {
  try {
    var target = new URL(url, self.location.origin);
    return target.origin === self.location.origin ? target.href : self.location.origin + "/";
  } catch (e) {
    return self.location.origin + "/";
  }
}

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = sameSite((event.notification.data || {}).url || "/");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) return windows[i].focus();
      }
      return self.clients.openWindow(url);
    })
  );
});
