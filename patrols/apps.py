from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "patrols"
    verbose_name = _("Community policing")

    def ready(self):
        from patrols import demo, registry  # noqa: F401
