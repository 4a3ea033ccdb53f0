from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from django.core import checks

        from accounts.crypto import check_configuration

        checks.register(check_configuration, checks.Tags.security)
