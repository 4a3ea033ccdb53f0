"""Read side of patrols: the beat overview and the evaluation table (ranked in the database)."""

from datetime import timedelta

from django.db.models import Case, CharField, F, Value, When, Window
from django.db.models.functions import Rank
from django.utils import timezone

from patrols.models import Beat, Evaluation, KeyLocation, PersonOfConcern


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
