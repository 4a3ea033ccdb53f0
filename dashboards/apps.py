from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self):
        from accounts import navigation
        from accounts.models import User
        from accounts.views import register_home
        from dashboards import views

        R = User.Role
        register_home(R.OFFICER, views.officer_home)
        register_home(R.SOCIAL_WORKER, views.social_worker_home)
        register_home(R.INTAKE_COORDINATOR, views.coordinator_home)
        register_home(R.SUPERVISOR, views.supervisor_home)
        register_home(R.ADMINISTRATOR, views.administrator_home)
        navigation.register(_("Dashboard"), "dashboards:dashboard", roles=[R.SUPERVISOR], order=5)
