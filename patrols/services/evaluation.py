"""The half-year evaluation: grades, peer groups and scoring a unit."""

from collections.abc import Mapping
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from patrols import policy
from patrols.models import (
    Beat,
    Evaluation,
    EvaluationItem,
    EvaluationScore,
)

GRADES = [
    (Decimal(90), "特優"),
    (Decimal(80), "優等"),
    (Decimal(70), "甲等"),
    (Decimal(60), "乙等"),
    (Decimal(50), "丙等"),
]


LOWEST_GRADE = "丁等"


PEER_GROUPS = [(1001, "甲"), (451, "乙"), (201, "丙")]


LOWEST_GROUP = "丁"


def grade(*, total: Decimal | float, false_figures: bool = False) -> str:
    """特優 ≥90; 優等 80–<90; 甲等 70–<80; 乙等 60–<70; 丙等 50–<60; 丁等 <50 (or false figures)."""
    if false_figures:
        return LOWEST_GRADE
    total = Decimal(str(total))
    return next((name for floor, name in GRADES if total >= floor), LOWEST_GRADE)


def peer_group(*, beats: int) -> str:
    """甲 ≥1,001 beats; 乙 451–1,000; 丙 201–450; 丁 ≤200."""
    return next((name for floor, name in PEER_GROUPS if beats >= floor), LOWEST_GROUP)


@transaction.atomic
def evaluate(
    *,
    actor: User,
    unit: Organization,
    period: str,
    scores: Mapping[int, Decimal | float],
    false_figures: bool = False,
    finding: str = "",
) -> Evaluation:
    """Score a unit: Σ score × weight; the number of beats puts it in a peer group."""
    policy.require(actor, "evaluate", Evaluation(unit=unit))
    items = {item.pk: item for item in EvaluationItem.objects.all()}
    if set(scores) != set(items):
        raise ValidationError({"scores": _("Score every item of the table.")})
    for value in scores.values():
        if not (Decimal(0) <= Decimal(str(value)) <= Decimal(100)):
            raise ValidationError({"scores": _("Scores are between 0 and 100.")})
    if false_figures and not (finding or "").strip():
        raise ValidationError({"finding": _("Record the finding of hidden, inflated or false figures.")})
    total = sum((Decimal(str(scores[pk])) * items[pk].weight / Decimal(100) for pk in items), Decimal(0))
    total = total.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    beats = Beat.objects.filter(station__path__startswith=unit.path).count()
    evaluation, _created = Evaluation.objects.update_or_create(
        unit=unit,
        period=period,
        defaults={"total": total, "beats": beats, "false_figures": false_figures, "false_figures_reason": finding},
    )
    EvaluationScore.objects.filter(evaluation=evaluation).delete()
    EvaluationScore.objects.bulk_create(
        [EvaluationScore(evaluation=evaluation, item=items[pk], score=Decimal(str(v))) for pk, v in scores.items()]
    )
    return evaluation


def period_of(*, day: date) -> str:
    return f"{day.year}-H{1 if day.month <= 6 else 2}"


def first_day_of(*, month_text: str) -> date:
    year, month = (int(x) for x in month_text.split("-"))
    return date(year, month, 1)
