"""Read side of patrols: the beat overview and the evaluation table (ranked in the database)."""

from datetime import timedelta

from django.db.models import Case, CharField, F, Value, When, Window
from django.db.models.functions import Rank
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.visibility import visible
from patrols import services
from patrols.models import Beat, Evaluation, KeyLocation, PatrolVisit, PersonOfConcern
from referrals import prefill
from referrals.models import Person


def peer_group_expression():
    return Case(
        When(beats__gte=1001, then=Value("甲")),
        When(beats__gte=451, then=Value("乙")),
        When(beats__gte=201, then=Value("丙")),
        default=Value("丁"),
        output_field=CharField(),
    )


def evaluation_table(user, period):
    """Units of a half year with their peer group and rank within it; false figures rank last."""
    return (
        Evaluation.objects.visible_to(user)
        .filter(period=period)
        .select_related("unit")
        .annotate(group=peer_group_expression())
        .annotate(
            rank=Window(
                expression=Rank(),
                partition_by=[F("group")],
                order_by=[F("false_figures").asc(), F("total").desc()],
            )
        )
        .order_by("group", "rank", "unit__name")
    )


def beat_overview(user):
    today = timezone.localdate()
    week_end = today + timedelta(days=7)
    persons = PersonOfConcern.objects.visible_to(user).filter(active=True, next_due_on__lte=week_end)
    if user.is_officer:
        persons = persons.filter(beat__officer=user) | persons.filter(beat__isnull=True, station=user.organization)
    return {
        "beats": Beat.objects.visible_to(user).select_related("station").filter(officer=user)
        if user.is_officer
        else Beat.objects.visible_to(user).select_related("station")[:50],
        "due": persons.select_related("beat").order_by("next_due_on")[:100],
        "overdue_count": persons.filter(next_due_on__lt=today).count(),
        "locations": KeyLocation.objects.visible_to(user)
        .exclude(status=KeyLocation.Status.CLOSED)
        .order_by("last_checked_on", "name")[:50],
    }


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
    persons += [(child, "child") for child in services.children_of(person=person)]
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
