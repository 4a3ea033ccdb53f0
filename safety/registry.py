"""Timers, navigation and demo data of the safety app."""

from django.utils.translation import gettext_lazy as _

from accounts import navigation, timers
from accounts.models import User
from safety import services

R = User.Role


@timers.register("lone_worker", oldest_overdue=services.oldest_overdue)
def sweep_safety(now):
    return services.sweep_lone_workers(now) + services.sweep_escorts(now) + services.sweep_follow_ups(now)


navigation.register(
    _("Home visits"), "safety:visits", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=20, social_work_only=True
)
navigation.register(
    _("Hazard events"), "safety:events", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=21, social_work_only=True
)
navigation.register(
    _("Safety alerts"), "safety:alerts", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=22, social_work_only=True
)
navigation.register(_("Escort requests"), "safety:escorts", roles=[R.OFFICER, R.SUPERVISOR], order=20, police_only=True)
