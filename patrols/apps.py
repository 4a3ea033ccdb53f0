from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    """What the app plugs into the project is in its ``hooks.py`` (``accounts.hooks.discover``)."""

    name = "patrols"
    verbose_name = _("Community policing")
