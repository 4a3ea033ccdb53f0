// The case page's "next step" card: refresh the time left to the deadline every 30 seconds, and open
// the action form its primary button points to. The server's text is right without this script.
(function () {
  "use strict";
  var MINUTE = 60 * 1000;

  function words(card, unit, n) {
    var form = card.getAttribute("data-fmt-" + unit + "-" + (n === 1 ? "one" : "other")) || "{n}";
    return form.replace("{n}", String(n));
  }

  // The same steps as referrals/services/sla.py time_left().
  function span(card, minutes) {
    if (minutes < 60) return words(card, "min", minutes);
    if (minutes < 180) {
      var hours = Math.floor(minutes / 60), rest = minutes % 60;
      return words(card, "h", hours) + (rest ? " " + words(card, "min", rest) : "");
    }
    if (minutes < 48 * 60) return words(card, "h", Math.floor(minutes / 60));
    return words(card, "day", Math.floor(minutes / (24 * 60)));
  }

  function refresh(card) {
    var clock = card.querySelector("[data-deadline]");
    var text = clock && clock.querySelector("[data-countdown-text]");
    if (!text || !card.getAttribute("data-fmt-left")) return;
    var left = Date.parse(clock.getAttribute("data-deadline")) - Date.now();
    if (isNaN(left)) return;
    var overdue = left <= 0;
    var minutes = Math.floor(Math.abs(left) / MINUTE);
    if (overdue) minutes = Math.max(minutes, 1);
    var format = card.getAttribute(overdue ? "data-fmt-overdue" : "data-fmt-left");
    text.textContent = format.replace("{time}", span(card, minutes));
    clock.classList.toggle("overdue", overdue);
    card.classList.toggle("is-overdue", overdue);
  }

  function start() {
    var cards = document.querySelectorAll("[data-testid=next-step]");
    if (!cards.length) return;
    cards.forEach(refresh);
    window.setInterval(function () {
      cards.forEach(refresh);
    }, 30 * 1000);
  }

  // The primary action's form is folded in the aside: open it when the card's button points there.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-open-action]");
    if (!link) return;
    var target = document.getElementById(link.getAttribute("data-open-action"));
    if (target && target.tagName === "DETAILS") target.open = true;
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
