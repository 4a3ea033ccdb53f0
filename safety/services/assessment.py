"""Pre-visit risk assessment: a short checklist, a score and what it recommends.

Each factor present adds its points; the sum gives the recommendation (the table is shown to the
worker on the planning and assessment pages, from :data:`FACTORS` and :data:`SCORE_TABLE`):

====================================  ======
factor                                points
====================================  ======
prior violence (incl. threats)           3
weapons in the home                      4
substance use                            2
mental-health crisis                     2
dogs or other dangerous animals          1
isolated or high-crime location          1
after dark (18:00–06:00, team's time)    1
first visit to this household            1
====================================  ======

=========  ==========================
score      recommendation
=========  ==========================
0–2        one worker may go
3–5        go with a second worker
6 or more  go with a police escort
=========  ==========================

The checklist is prefilled from the records: the active risk flags of the household, its persons and
the address, violent hazard events at the household, earlier visits (none: first visit) and the
planned time. What the records show cannot be unticked (the flag stays in force until it is removed);
the worker adds what they know. The plan must meet the recommendation (two or more workers for a
second worker; an accepted escort, or a second worker a supervisor assigned when police could not
come, for a police escort) or the visit cannot start unless a supervisor overrides with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING, TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from safety import policy
from safety.models import (
    EscortFallback,
    EscortRequest,
    HazardEvent,
    HazardType,
    HomeVisit,
    Recommendation,
    RiskType,
    VisitRiskAssessment,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.models import User
    from referrals.models import Referral


@dataclass(frozen=True)
class Factor:
    key: str
    label: StrOrPromise
    points: int


FACTORS = (
    Factor("prior_violence", _("Prior violence or threats"), 3),
    Factor("weapons", _("Weapons in the home"), 4),
    Factor("substance_use", _("Substance use"), 2),
    Factor("mental_health_crisis", _("Mental-health crisis"), 2),
    Factor("dogs", _("Dogs or other dangerous animals"), 1),
    Factor("risky_location", _("Isolated or high-crime location"), 1),
    Factor("after_dark", _("After dark (18:00 to 06:00)"), 1),
    Factor("first_visit", _("First visit to this household"), 1),
)
FACTOR_KEYS = tuple(f.key for f in FACTORS)
POINTS = {f.key: f.points for f in FACTORS}

# (lowest score, highest score or None, recommendation): the whole range of scores, in order.
SCORE_TABLE: tuple[tuple[int, int | None, Recommendation], ...] = (
    (0, 2, Recommendation.SOLO),
    (3, 5, Recommendation.SECOND_WORKER),
    (6, None, Recommendation.POLICE_ESCORT),
)

# Which risk flag answers which question.
FLAG_FACTORS: dict[str, str] = {
    RiskType.WEAPON: "weapons",
    RiskType.VIOLENCE: "prior_violence",
    RiskType.THREATS: "prior_violence",
    RiskType.PSYCHIATRIC: "mental_health_crisis",
    RiskType.SELF_HARM: "mental_health_crisis",
    RiskType.SUBSTANCE: "substance_use",
    RiskType.ANIMAL: "dogs",
}
VIOLENT_EVENTS = {HazardType.PHYSICAL_ATTACK, HazardType.SEXUAL_VIOLENCE, HazardType.INTIMIDATION}
DARK_FROM, DARK_UNTIL = time(18, 0), time(6, 0)


class ScoreRow(TypedDict):
    low: int
    high: int | None
    recommendation: StrOrPromise


class ChecklistRow(TypedDict):
    key: str
    label: StrOrPromise
    points: int
    checked: bool
    reasons: list[StrOrPromise]


def score(*, answers: Mapping[str, object]) -> int:
    return sum(POINTS[key] for key in FACTOR_KEYS if answers.get(key))


def recommend(*, points: int) -> Recommendation:
    for low, high, recommendation in SCORE_TABLE:
        if points >= low and (high is None or points <= high):
            return recommendation
    raise ValueError(points)


def table() -> list[ScoreRow]:
    """The score → recommendation table as the pages show it."""
    return [
        {"low": low, "high": high, "recommendation": recommendation.label} for low, high, recommendation in SCORE_TABLE
    ]


def is_after_dark(*, moment: datetime, tz: tzinfo) -> bool:
    local = timezone.localtime(moment, tz).time()
    return local >= DARK_FROM or local < DARK_UNTIL


REASONS = {
    "hazard_event": _("hazard event at this household"),
    "no_earlier_visit": _("no earlier visit on record"),
    "planned_after_dark": _("planned after dark"),
}


def reason_label(*, code: str) -> StrOrPromise:
    if code.startswith("flag:"):
        return _("risk flag: %(type)s") % {"type": RiskType(code[5:]).label}
    return REASONS.get(code, code)


def from_records(
    *, referral: Referral, address: str, planned_start: datetime | None = None, visit: HomeVisit | None = None
) -> dict[str, list[str]]:
    """What the records say, as {factor: [reason code, …]} (see :func:`reason_label`; no case details)."""
    from safety.services.flags import active_flags_for

    found: dict[str, list[str]] = {}

    def add(key: str, why: str) -> None:
        found.setdefault(key, [])
        if why not in found[key]:
            found[key].append(why)

    households = [referral.household_id] if referral.household_id else []
    persons = list(referral.person_links.values_list("person_id", flat=True))
    for flag in active_flags_for(households=households, persons=persons, addresses=[address]):
        if flag.type in FLAG_FACTORS:
            add(FLAG_FACTORS[flag.type], f"flag:{flag.type}")
    at_home = Q(referral=referral) | Q(visit__referral=referral)
    if referral.household_id:
        at_home |= Q(referral__household=referral.household_id) | Q(visit__referral__household=referral.household_id)
    for types in HazardEvent.objects.filter(at_home).values_list("types", flat=True):
        if VIOLENT_EVENTS & set(types or ()):
            add("prior_violence", "hazard_event")
    earlier = HomeVisit.objects.filter(status=HomeVisit.Status.CHECKED_OUT).filter(
        Q(referral__household=referral.household_id) if referral.household_id else Q(referral=referral)
    )
    if visit is not None:
        earlier = earlier.exclude(pk=visit.pk)
    if not earlier.exists():
        add("first_visit", "no_earlier_visit")
    team = referral.team
    if planned_start is not None and team is not None and is_after_dark(moment=planned_start, tz=team.tz):
        add("after_dark", "planned_after_dark")
    return found


def checklist(*, answers: Mapping[str, object], found: Mapping[str, Sequence[str]]) -> list[ChecklistRow]:
    """Rows for the pages: each factor with its points, whether it is ticked and what the records say."""
    return [
        {
            "key": f.key,
            "label": f.label,
            "points": f.points,
            "checked": bool(answers.get(f.key)),
            "reasons": [reason_label(code=code) for code in found.get(f.key, ())],
        }
        for f in FACTORS
    ]


# --- recording and overriding ----------------------------------------------------------------------
def _record(actor: User, visit: HomeVisit, answers: Mapping[str, object]) -> VisitRiskAssessment:
    found = from_records(referral=visit.referral, address=visit.address, planned_start=visit.planned_start, visit=visit)
    merged = {key: bool(answers.get(key)) or bool(found.get(key)) for key in FACTOR_KEYS}
    points = score(answers=merged)
    recommendation = recommend(points=points)
    existing = VisitRiskAssessment.objects.select_for_update().filter(visit=visit).first()
    assessment = existing or VisitRiskAssessment(visit=visit)
    if existing is not None and existing.recommendation != recommendation:
        # An override answered the earlier recommendation, not this one.
        assessment.override_by, assessment.override_reason, assessment.override_at = None, "", None
    assessment.answers, assessment.from_records = merged, found
    assessment.score, assessment.recommendation = points, recommendation
    assessment.assessed_by, assessment.assessed_at = actor, timezone.now()
    assessment.save()
    return assessment


@transaction.atomic
def assess_visit(*, actor: User, visit: HomeVisit, answers: Mapping[str, object]) -> VisitRiskAssessment:
    """Answer (or answer again) the checklist of a planned visit."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "assess_visit", visit)
    return _record(actor, visit, answers)


@transaction.atomic
def override_assessment(*, actor: User, visit: HomeVisit, reason: str) -> VisitRiskAssessment:
    """A supervisor lets the visit start although the plan does not meet the recommendation."""
    visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
    policy.require(actor, "override_assessment", visit)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for going ahead below the recommendation.")})
    assessment = VisitRiskAssessment.objects.select_for_update().get(visit=visit)
    assessment.override_by, assessment.override_reason, assessment.override_at = actor, reason[:500], timezone.now()
    assessment.save(update_fields=["override_by", "override_reason", "override_at"])
    return assessment


# --- does the plan meet it? ---------------------------------------------------------------------------
def requirement_met(*, visit: HomeVisit, assessment: VisitRiskAssessment) -> bool:
    if assessment.recommendation == Recommendation.SOLO or assessment.override_by_id:
        return True
    escort_accepted = visit.escort_requests.filter(status=EscortRequest.Status.ACCEPTED).exists()
    if assessment.recommendation == Recommendation.SECOND_WORKER:
        return escort_accepted or visit.workers.count() >= 2
    # Police escort: accepted, or police could not come and a supervisor sent a second worker instead.
    substituted = EscortFallback.objects.filter(visit=visit, status=EscortFallback.Status.SECOND_WORKER).exists()
    return escort_accepted or (substituted and visit.workers.count() >= 2)


def start_refusal(*, visit: HomeVisit) -> StrOrPromise | None:
    """Why the assessment keeps the visit from starting, or None."""
    assessment = VisitRiskAssessment.objects.filter(visit=visit).first()
    if assessment is None or requirement_met(visit=visit, assessment=assessment):
        return None
    if assessment.recommendation == Recommendation.SECOND_WORKER:
        return _(
            "The risk assessment recommends a second worker: add one, get a police escort, "
            "or ask a supervisor to override."
        )
    return _(
        "The risk assessment recommends a police escort: wait for an accepted escort request, "
        "or ask a supervisor to override or to assign a second worker."
    )
