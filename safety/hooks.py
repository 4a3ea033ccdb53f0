"""What the safety app plugs into the project: timers, navigation, demo data, approvals, risk badges and
panels on referral pages, the household timeline, and what retention removes."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts import approvals, drafts, hooks, timers
from accounts.demo import Summary
from accounts.models import User
from accounts.navigation import item
from referrals import household
from safety import demo, policy, services
from safety.models import RiskFlag
from safety.services import flags as flag_services

R = User.Role


def sweep_safety(now):
    return services.sweep_lone_workers(now=now) + services.sweep_escorts(now=now) + services.sweep_follow_ups(now=now)


hooks.register(hooks.TIMERS, timers.Sweep("lone_worker", sweep_safety, services.oldest_overdue))

for nav in (
    item(_("Home visits"), "safety:visits", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=20, social_work_only=True),
    item(_("Hazard events"), "safety:events", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=21, social_work_only=True),
    item(_("Safety alerts"), "safety:alerts", roles=[R.SOCIAL_WORKER, R.SUPERVISOR], order=22, social_work_only=True),
    item(_("Visits without an escort"), "safety:fallbacks", roles=[R.SUPERVISOR], order=23, social_work_only=True),
    item(_("Escort requests"), "safety:escorts", roles=[R.OFFICER, R.SUPERVISOR], order=20, police_only=True),
):
    hooks.register(hooks.NAVIGATION, nav)

# Drafts kept on the server: the hazard-event report.
hooks.register(
    hooks.DRAFTS,
    drafts.Kind("hazard-event", lambda user, _pk: not user.is_police and policy.may_ever(user, "report_event")),
)

hooks.register(hooks.DEMO_DATA, demo.safety_world, order=50)
hooks.register(hooks.DEMO_SUMMARY, Summary("Risk flags (active)", demo.count_flags), order=30)
hooks.register(hooks.DEMO_SUMMARY, Summary("Hazard events (major)", demo.count_events), order=31)
hooks.register(hooks.DEMO_SUMMARY, Summary("Home visits", demo.count_visits), order=32)
hooks.register(hooks.DEMO_SUMMARY, Summary("Escort requests", demo.count_escorts), order=33)
hooks.register(hooks.DEMO_SUMMARY, Summary("Safety alerts", demo.count_alerts), order=34)

hooks.register(
    hooks.APPROVALS,
    approvals.Kind("safety.remove_flag", flag_services._locked_flag, flag_services._carry_out_flag_removal),
)


# --- on referral pages: risk badges on list rows; flags and safety actions on the case page -------
@hooks.register(hooks.REFERRAL_BADGES)
def risk_badges(user, referrals):
    """Active risk flags of each row's household, in one query whatever the number of rows."""
    flags = services.active_flags_for(households={r.household_id for r in referrals if r.household_id})
    by_household = {}
    for f in flags:
        by_household.setdefault(f.household_id, []).append(f)
    return {
        r.pk: [hooks.Fragment("safety/_flags.html", {"flags": by_household[r.household_id]})]
        for r in referrals
        if r.household_id in by_household
    }


@hooks.register(hooks.REFERRAL_PANELS)
def case_page_panels(user, referral, persons):
    """Risk flags at the top, visit planning and flagging among the actions, flag removal below them.
    Nothing for readers of the shared view (the referring station)."""
    if user.reads_shared_view:
        return []
    flags = services.active_flags_for(
        households=[referral.household_id] if referral.household_id else [],
        persons=[link.person_id for link in persons],
    )
    offered = set()
    if referral.is_open:
        offered = {action for action in ("plan_visit", "add_flag") if policy.can(user, action, referral)}
    return [
        hooks.Fragment("safety/_flags.html", {"flags": flags}, slot="head"),
        hooks.Fragment("safety/_case_actions.html", {"offered": offered, "referral": referral}, slot="actions"),
        hooks.Fragment("safety/_flag_removal.html", {"flags": flags}, slot="aside"),
    ]


hooks.register(hooks.PERSONS_ANONYMISED, services.forget_flag_notes)


# --- the household timeline: visits, hazard events and risk flags touching the household ---------
@hooks.register(hooks.HOUSEHOLD_TIMELINE, order=20)
def household_safety_records(user, home, referrals):
    from safety.models import HazardEvent, HomeVisit

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
