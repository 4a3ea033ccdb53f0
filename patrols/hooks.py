"""What the patrols app plugs into the project: timers, navigation, demo data, the referral form's
prefill from a patrol visit, and the household timeline."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import hooks, timers
from accounts.demo import Summary
from accounts.models import User
from accounts.navigation import item
from accounts.visibility import visible
from patrols import demo, selectors, services
from patrols.models import PatrolVisit
from referrals import household, prefill

R = User.Role


def sweep_monthly_reports(now):
    services.ensure_reports(today=timezone.localdate(now))
    return services.sweep_reports(now=now)


hooks.register(hooks.TIMERS, timers.Sweep("monthly_reports", sweep_monthly_reports, services.oldest_overdue))


hooks.register(hooks.REFERRAL_PREFILL, prefill.Provider("patrol_visit", selectors.referral_from_visit))

for nav in (
    item(_("My beat"), "patrols:beat", roles=[R.OFFICER, R.SUPERVISOR], order=30, police_only=True),
    item(_("Key locations"), "patrols:locations", roles=[R.OFFICER, R.SUPERVISOR], order=31, police_only=True),
    item(_("Missing persons"), "patrols:missing", roles=[R.OFFICER, R.SUPERVISOR], order=32, police_only=True),
    item(_("Community work"), "patrols:activities", roles=[R.OFFICER, R.SUPERVISOR], order=33, police_only=True),
    item(_("Monthly reports"), "patrols:reports", roles=[R.SUPERVISOR], order=34, police_only=True),
    item(_("Evaluation"), "patrols:evaluation", roles=[R.SUPERVISOR], order=35, police_only=True),
):
    hooks.register(hooks.NAVIGATION, nav)

hooks.register(hooks.DEMO_DATA, demo.patrols_world, order=60)
hooks.register(hooks.DEMO_SUMMARY, Summary("Beats / persons of concern (overdue)", demo.count_beats), order=40)
hooks.register(hooks.DEMO_SUMMARY, Summary("Patrol visits", demo.count_patrol_visits), order=41)
hooks.register(hooks.DEMO_SUMMARY, Summary("Key locations (suspected)", demo.count_locations), order=42)
hooks.register(hooks.DEMO_SUMMARY, Summary("Community activities / missing persons", demo.count_activities), order=43)
hooks.register(hooks.DEMO_SUMMARY, Summary("Monthly reports (submitted, late)", demo.count_reports), order=44)
hooks.register(hooks.DEMO_SUMMARY, Summary("Half-year evaluations", demo.count_evaluations), order=45)


# --- the household timeline: patrol visits that led to the household's referrals ------------------
@hooks.register(hooks.HOUSEHOLD_TIMELINE, order=30)
def household_patrol_visits(user, home, referrals):
    refs = [r.origin_reference for r in referrals if r.origin == r.Origin.PATROL_VISIT and r.origin_reference]
    if not refs:
        return
    seen = set(visible(PatrolVisit, user).filter(reference__in=refs).values_list("pk", flat=True))
    for v in PatrolVisit.objects.filter(reference__in=refs).select_related("station"):
        ok = v.pk in seen
        yield household.Entry(
            v.visited_at,
            _("Patrol visit"),
            v.station,
            ok,
            title=f"{v.reference} · {v.get_outcome_display()}" if ok else "",
            url=v.get_absolute_url() if ok else "",
        )
