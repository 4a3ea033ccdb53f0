from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts and organisations")

    def ready(self):
        from django.core import checks

        from accounts import hooks
        from accounts.crypto import check_configuration

        checks.register(check_configuration, checks.Tags.security)
        _register_own_hooks()
        hooks.discover()


def _register_own_hooks():
    """The accounts app's own demo steps; other apps register theirs in their ``hooks.py``."""
    from accounts import demo, hooks

    hooks.register(hooks.DEMO_DATA, demo.organisations_and_people, order=10)
    hooks.register(hooks.DEMO_DATA, demo.on_call_rota, order=20)
    hooks.register(hooks.DEMO_DATA, demo.replay_history, order=90)
    hooks.register(hooks.DEMO_SUMMARY, demo.Summary("Users", demo.count_users), order=10)
