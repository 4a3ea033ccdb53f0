"""The push page in a browser: the service worker registers under the CSP and the switch hands the browser's
subscription to the server. Headless Chromium has no push service, so the browser's PushManager is replaced
by a stand-in that returns a subscription as Chrome would (the server's sending is tested in
tests/accounts/test_push.py)."""

import pytest

from accounts.models import PushSubscription
from tests import factories as f

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FAKE_PUSH = """
(() => {
  const keys = { p256dh: "B" + "A".repeat(86), auth: "AAAAAAAAAAAAAAAAAAAAAA" };
  const make = () => ({
    endpoint: "https://fcm.googleapis.com/fcm/send/e2e-device",
    toJSON() { return { endpoint: this.endpoint, expirationTime: null, keys }; },
    unsubscribe() { sessionStorage.removeItem("fake-push"); return Promise.resolve(true); },
  });
  // Kept across reloads, as the browser keeps a real subscription.
  const current = () => (sessionStorage.getItem("fake-push") ? make() : null);
  PushManager.prototype.subscribe = function () {
    sessionStorage.setItem("fake-push", "1");
    return Promise.resolve(make());
  };
  PushManager.prototype.getSubscription = function () { return Promise.resolve(current()); };
})();
"""


def test_turning_notifications_on_and_off_on_this_device(open_page, settings):
    settings.VAPID_PUBLIC_KEY = (
        "BNdFRjFJ9jMHzzKn_dRn7djBe3qs71WqcLBjRB_bvLBiGUf5-UmDc9vBqWgN0sq2Rl7xuhdxGRJKyYbPn8WM0pg"
    )
    settings.VAPID_PRIVATE_KEY = "M5VWjcD_Odtute9iVkZfdAj2uBxyDOYfBOZ6Gtwhzu8"
    supervisor = f.SupervisorFactory(organization=f.AgencyFactory())
    page = open_page(supervisor, "en")
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.context.grant_permissions(["notifications"], origin=page.base_url)
    page.context.add_init_script(FAKE_PUSH)
    page.goto(f"{page.base_url}/accounts/push/")
    page.wait_for_selector("[data-push-status]:has-text('Notifications are off for this device.')")
    registration = page.evaluate(
        "navigator.serviceWorker.getRegistration('/accounts/push/').then(r => r && r.active && r.active.scriptURL)"
    )
    assert registration.endswith("/push-sw.js")

    page.click("[data-push-on]")
    page.wait_for_selector("[data-testid=push-devices] li")
    page.wait_for_selector("[data-push-status]:has-text('Notifications are on for this device.')")
    sub = PushSubscription.objects.get(user=supervisor)
    assert sub.endpoint == "https://fcm.googleapis.com/fcm/send/e2e-device"
    assert "Chrome" in sub.user_agent

    page.click("[data-push-off]")
    page.wait_for_selector("text=No device has notifications on.")
    assert not PushSubscription.objects.exists()
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e]
