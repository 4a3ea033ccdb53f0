"""The referrals part of the demo city and its record counts."""

from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from accounts import demo
from referrals.demo.plan import _new_case, _plan_times, _worker_of, plan_cases
from referrals.demo.steps import schedule_case
from referrals.models import (
    DEFAULT_SLA,
    Household,
    Outcome,
    Person,
    Referral,
    ReferralEvent,
    SLAPolicy,
    StationTeamMatch,
    Status,
)


def matching_and_policies(world):
    stations, teams = world["stations"], world["teams"]
    start = world["today"] - timedelta(days=365)
    for station, team in [(stations[0], teams[0]), (stations[1], teams[1])]:
        StationTeamMatch.objects.update_or_create(station=station, starts_on=start, defaults={"team": team})
    for level, (amount, unit) in DEFAULT_SLA.items():
        SLAPolicy.objects.get_or_create(category="", level=level, defaults={"acknowledge_within": amount, "unit": unit})


def referral_history(world):
    """Six months of referrals, planned here and replayed with the rest of the history."""
    world["cases"] = []
    if Referral.objects.exists():
        return
    r = demo.rng("referral-steps")
    cases = plan_cases(world)
    for case in cases:
        schedule_case(world, case, r)
    world["cases"] = cases


def add_case(world, *, station, officer, category, level, filed, narrative, prefill, origin):
    """A case raised from another app's record (``prefill()`` opens the form with its people), worked like the rest."""
    r = demo.rng(f"case-{filed:%Y%m%d%H%M}")
    case = _new_case(world, r, 900 + len(world["cases"]), filed, station=station, category=category, level=level)
    case.officer, case.narrative, case.prefill, case.origin = officer, narrative, prefill, (origin, "")
    case.risks, case.consent = ((), ""), ("given", "")
    case.worker = _worker_of(world, case.first_team, r)
    case.outcome = Outcome.GOT_HELP
    _plan_times(case, r, world["start"].tzinfo)
    schedule_case(world, case, r)
    world["cases"].append(case)
    return case


def count_referrals():
    by_status = dict(Referral.objects.values_list("status").annotate(n=Count("pk")))
    parts = ", ".join(f"{label} {by_status[value]}" for value, label in Status.choices if by_status.get(value))
    return f"{sum(by_status.values())} ({parts})"


def count_overdue():
    overdue = Referral.objects.filter(status=Status.SUBMITTED, ack_due_at__lt=timezone.now()).count()
    escalated = Referral.objects.filter(escalations__isnull=False).distinct().count()
    return f"{overdue} / {escalated}"


def count_moves():
    kinds = ReferralEvent.objects.values("kind").annotate(n=Count("referral", distinct=True))
    by_kind = {row["kind"]: row["n"] for row in kinds}
    return f"{by_kind.get('transferred', 0)} / {by_kind.get('redirected', 0)}"


def count_households():
    repeat = Household.objects.annotate(n=Count("referrals")).filter(n__gt=1).count()
    return f"{Household.objects.count()} ({repeat})"


def count_persons():
    return Person.objects.count()
