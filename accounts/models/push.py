"""Browser push subscriptions (Web Push): one row per device a user turned notifications on for."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.querysets import VisibleQuerySet


class PushSubscriptionQuerySet(VisibleQuerySet):
    def visible_to(self, user):
        """Each user sees (and removes) only their own devices; administrators too."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class PushSubscription(models.Model):
    """What the browser's push service gave us: where to post (``endpoint``) and the keys to encrypt
    for that device. Only a title and a link are ever sent (the same minimum detail as the in-app notice)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=500, unique=True)
    p256dh = models.CharField(_("device key"), max_length=200)
    auth = models.CharField(_("device secret"), max_length=100)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_success_at = models.DateTimeField(_("last delivered"), null=True, blank=True)
    # Failed sends in a row; reset by a success. A push service answering 404/410 removes the row at once.
    failures = models.PositiveSmallIntegerField(_("failures in a row"), default=0)

    objects = PushSubscriptionQuerySet.as_manager()

    class Meta:
        app_label = "accounts"
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.user} · {self.device_label}"

    @property
    def device_label(self):
        """A short name for the device list: the browser and system from the user agent."""
        ua = self.user_agent
        system = next((s for s in ("Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux") if s in ua), "")
        browser = next((b for b in ("Edg", "Firefox", "SamsungBrowser", "Chrome", "Safari") if b in ua), "")
        browser = {"Edg": "Edge", "SamsungBrowser": "Samsung Internet"}.get(browser, browser)
        return " · ".join(p for p in (browser, system) if p) or str(_("Unknown browser"))
