from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """What the app plugs into the project is in its ``hooks.py`` (``accounts.hooks.discover``)."""

    name = "referrals"
    verbose_name = _("Referrals")
