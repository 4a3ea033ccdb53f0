"""Timers, navigation and the referral bridge of the patrols app."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import navigation, timers
from accounts.models import User
from accounts.visibility import visible
from patrols import services
from patrols.models import PatrolVisit
from referrals import household, prefill
from referrals.models import Person

R = User.Role


@timers.register("monthly_reports", oldest_overdue=services.oldest_overdue)
def sweep_monthly_reports(now):
    services.ensure_reports(timezone.localdate(now))
    return services.sweep_reports(now)


@prefill.register("patrol_visit")
def referral_from_visit(user, reference):
    """Open the referral form with the visit's household and persons (only for a visit the user may see)."""
    visit = visible(PatrolVisit, user).filter(reference=reference).select_related("person").first()
    if visit is None:
        return None
    person = visit.person
    # A read: nothing is created here. Without a family record yet, the form gets the person's details
    # (an unsaved Person) and filing creates the household.
    household = person.household
    subject = person.person if person.person_id else Person(name=person.name, address=person.address)
    persons = [(subject, "subject")]
    persons += [(child, "child") for child in services.children_of(person)]
    category = "child_protection" if visit.children_present and not visit.child_care_checked else "vulnerable_family"
    return prefill.Prefill(
        origin_reference=visit.reference,
        category=category,
        incident_place=household.address if household else person.address,
        incident_at=visit.visited_at,
        household=household,
        persons=persons,
        narrative=str(_("Found on community policing visit %(ref)s.") % {"ref": visit.reference}),
    )


navigation.register(_("My beat"), "patrols:beat", roles=[R.OFFICER, R.SUPERVISOR], order=30, police_only=True)
navigation.register(
    _("Key locations"), "patrols:locations", roles=[R.OFFICER, R.SUPERVISOR], order=31, police_only=True
)
navigation.register(
    _("Missing persons"), "patrols:missing", roles=[R.OFFICER, R.SUPERVISOR], order=32, police_only=True
)
navigation.register(
    _("Community work"), "patrols:activities", roles=[R.OFFICER, R.SUPERVISOR], order=33, police_only=True
)
navigation.register(_("Monthly reports"), "patrols:reports", roles=[R.SUPERVISOR], order=34, police_only=True)
navigation.register(_("Evaluation"), "patrols:evaluation", roles=[R.SUPERVISOR], order=35, police_only=True)


# --- the household timeline: patrol visits that led to the household's referrals ------------------
@household.source
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
