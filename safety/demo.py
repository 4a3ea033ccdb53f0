"""Demo safety data: a flagged household, a planned visit, an escort request and a major event."""

from datetime import timedelta

from django.utils import timezone

from accounts import demo
from referrals.models import Referral
from safety import services
from safety.models import HazardEvent, HomeVisit, RiskFlag, SafetyContact


@demo.register(order=50)
def safety_world(world):
    people, teams = world["people"], world["teams"]
    SafetyContact.objects.get_or_create(agency=teams[0].parent, user=people["supervisor1"])
    services.set_duress_code(people["worker1"], "9110")
    if HazardEvent.objects.exists():
        return
    referral = Referral.objects.filter(team=teams[0]).order_by("pk").first()
    if referral and referral.household_id:
        RiskFlag.objects.create(
            household=referral.household,
            type="violence",
            source="police",
            note="Prior DV call-outs",
            added_by=people["officer1"],
        )
        visit = services.plan_visit(
            people["worker1"],
            referral,
            workers=[people["worker1"]],
            planned_start=timezone.now() + timedelta(days=1),
            expected_minutes=60,
        )
        services.request_escort(
            people["worker1"],
            visit,
            needed_from=visit.planned_start,
            needed_until=visit.planned_start + timedelta(hours=1),
            note="Prior violence",
        )
    now = timezone.now()
    for days, injury, media in [(20, "minor", 0), (5, "minor", 0)]:
        services.report_hazard_event(
            people["worker1"],
            types=["physical_attack"],
            occurred_at=now - timedelta(days=days),
            place="Home visit",
            injury=injury,
            media_report_count=media,
            narrative="Pushed by a family member during a visit.",
        )
    assert HomeVisit.objects.exists() or referral is None
