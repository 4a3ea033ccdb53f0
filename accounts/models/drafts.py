"""Form drafts kept on the server per user (services in accounts/drafts.py)."""

import json

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.crypto import EncryptedCharField

MAX_BYTES = 64 * 1024  # a draft's values as JSON


class Draft(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("form"), max_length=80)
    # JSON {field name: text or list of texts}, encrypted like other personal data.
    data = EncryptedCharField(_("values"), max_length=MAX_BYTES * 2)
    updated_at = models.DateTimeField(_("saved at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="one_draft_per_user_and_form")]

    def __str__(self):
        return f"{self.key} · {self.updated_at:%Y-%m-%d %H:%M}"

    @property
    def values(self):
        return json.loads(self.data) if self.data else {}
