// The safety pages' service worker (served at /sw.js, scope /safety/). A visit page or the hazard
// event form once opened loads again without signal: those pages network-first with the last copy
// as fallback, static files cache-first. No other page is kept. Actions and reports are not sent
// from here: the pages queue them (visit-offline.js, event-offline.js).
"use strict";
var PAGES = "psw-visit-pages-v1";
var STATIC = "psw-static-v1";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(
        names.filter(function (n) { return n.indexOf("psw-") === 0 && n !== PAGES && n !== STATIC; })
          .map(function (n) { return caches.delete(n); })
      );
    }).then(function () { return self.clients.claim(); })
  );
});

// Only these pages are kept on the phone: a visit page and the empty hazard event form.
function isKeptPage(url) {
  if (url.origin !== self.location.origin) return false;
  return /^\/safety\/visits\/\d+\/$/.test(url.pathname) || url.pathname === "/safety/events/new/";
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { cache.put(request.url, copy); });
    } else if (response.redirected && response.url.indexOf("/accounts/login/") !== -1) {
      // Signed out: forget the copies of pages kept on this phone.
      caches.delete(PAGES);
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES).then(function (cache) { return cache.match(request.url); }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

function cacheFirst(request) {
  return caches.open(STATIC).then(function (cache) {
    return cache.match(request).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) cache.put(request, response.clone());
        return response;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && isKeptPage(url)) {
    event.respondWith(networkFirst(request));
  } else if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  }
});
