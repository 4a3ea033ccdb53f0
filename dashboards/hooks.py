"""What the dashboards app plugs into the project: each role's home page and the dashboard's menu entry."""

from django.utils.translation import gettext_lazy as _

from accounts import hooks, timers
from accounts.models import User
from accounts.navigation import item
from accounts.views import HomeView
from dashboards import views
from dashboards.summary import refresh

R = User.Role

for role, view in (
    (R.OFFICER, views.officer_home),
    (R.SOCIAL_WORKER, views.social_worker_home),
    (R.INTAKE_COORDINATOR, views.coordinator_home),
    (R.SUPERVISOR, views.supervisor_home),
    (R.ADMINISTRATOR, views.administrator_home),
):
    hooks.register(hooks.HOME_VIEWS, HomeView(role, view))

hooks.register(hooks.NAVIGATION, item(_("Dashboard"), "dashboards:dashboard", roles=[R.SUPERVISOR], order=5))


def sweep_summary(now):
    # Whole filing days are rebuilt: the number of days (or of rows, when it rebuilds everything).
    return refresh.refresh(now=now)


hooks.register(hooks.TIMERS, timers.Sweep("dashboard_summary", sweep_summary))
