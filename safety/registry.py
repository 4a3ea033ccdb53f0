"""Timers, navigation and demo data of the safety app."""

from django.utils.translation import gettext_lazy as _

from accounts import navigation, timers
from accounts.models import User
from referrals import household
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
navigation.register(
    _("Visits without an escort"), "safety:fallbacks", roles=[R.SUPERVISOR], order=23, social_work_only=True
)
navigation.register(_("Escort requests"), "safety:escorts", roles=[R.OFFICER, R.SUPERVISOR], order=20, police_only=True)


# --- the household timeline: visits, hazard events and risk flags touching the household ---------
@household.source
def household_safety_records(user, home, referrals):
    from django.db.models import Q

    from safety.models import HazardEvent, HomeVisit, RiskFlag

    ids = [r.pk for r in referrals]
    visits = HomeVisit.objects.filter(referral__in=ids).select_related("referral__team__parent")
    seen = set(HomeVisit.objects.visible_to(user).filter(referral__in=ids).values_list("pk", flat=True))
    for v in visits:
        ok = v.pk in seen
        yield household.Entry(
            v.planned_start,
            _("Home visit"),
            _agency(v.referral.team),
            ok,
            title=v.get_status_display() if ok else "",
            url=v.get_absolute_url() if ok else "",
        )
    events = HazardEvent.objects.filter(Q(referral__in=ids) | Q(visit__referral__in=ids)).select_related("team__parent")
    seen = set(HazardEvent.objects.visible_to(user).filter(pk__in=[e.pk for e in events]).values_list("pk", flat=True))
    for e in events:
        ok = e.pk in seen
        yield household.Entry(
            e.occurred_at,
            _("Hazard event"),
            _agency(e.team),
            ok,
            title=e.reference if ok else "",
            url=e.get_absolute_url() if ok else "",
        )
    flags = RiskFlag.objects.filter(Q(household=home) | Q(person__household=home)).select_related(
        "added_by__organization__parent"
    )
    seen = set(RiskFlag.objects.visible_to(user).filter(pk__in=[f.pk for f in flags]).values_list("pk", flat=True))
    for f in flags:
        ok = f.pk in seen
        holder = f.added_by.organization if f.added_by else None
        yield household.Entry(
            f.added_at,
            _("Risk flag"),
            _agency(holder),
            ok,
            title=f"{f.get_type_display()} · {f.get_source_display()}" if ok else "",
        )


def _agency(unit):
    """Records are held by a team's agency (the unit other agencies call), or the unit itself."""
    if unit is not None and unit.kind == unit.Kind.TEAM and unit.parent is not None:
        return unit.parent
    return unit
