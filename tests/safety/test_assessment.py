"""Pre-visit risk assessment: the score table, prefilling from the records, the start guard and its override."""

from datetime import datetime, time, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from safety import services
from safety.models import HazardEvent, HomeVisit, RiskFlag, VisitRiskAssessment
from safety.services import assessment
from tests.safety.conftest import soon

pytestmark = pytest.mark.django_db

SOLO, SECOND, ESCORT = "solo", "second_worker", "police_escort"


@pytest.mark.parametrize(
    "score,recommendation",
    [(0, SOLO), (1, SOLO), (2, SOLO), (3, SECOND), (4, SECOND), (5, SECOND), (6, ESCORT), (9, ESCORT), (15, ESCORT)],
)
def test_score_to_recommendation_table(score, recommendation):
    assert assessment.recommend(points=score) == recommendation


@pytest.mark.parametrize(
    "factors,score,recommendation",
    [
        ((), 0, SOLO),
        (("dogs", "after_dark"), 2, SOLO),
        (("first_visit", "risky_location"), 2, SOLO),
        (("prior_violence",), 3, SECOND),
        (("weapons",), 4, SECOND),
        (("substance_use", "mental_health_crisis", "dogs"), 5, SECOND),
        (("weapons", "dogs", "after_dark"), 6, ESCORT),
        (("prior_violence", "weapons"), 7, ESCORT),
        (tuple(assessment.FACTOR_KEYS), 15, ESCORT),
    ],
)
def test_checklist_answers_to_score_and_recommendation(factors, score, recommendation):
    answers = dict.fromkeys(factors, True)
    assert assessment.score(answers=answers) == score
    assert assessment.recommend(points=score) == recommendation


def test_the_table_covers_every_score_once():
    top = sum(assessment.POINTS.values())
    assert [assessment.recommend(points=s) for s in range(top + 1)]  # no gap, no ValueError
    lows = [low for low, _high, _r in assessment.SCORE_TABLE]
    highs = [high for _low, high, _r in assessment.SCORE_TABLE]
    assert lows[0] == 0 and highs[-1] is None
    assert all(high + 1 == low for high, low in zip(highs[:-1], lows[1:], strict=True))


def _plan(world, workers=None, start=None):
    return services.plan_visit(
        actor=world.worker,
        referral=world.referral,
        workers=workers or [world.worker],
        planned_start=start or soon(60),
        expected_minutes=60,
    )


def _daytime(days=1):
    """10:00 tomorrow (not after dark)."""
    return datetime.combine(
        timezone.localdate() + timedelta(days=days), time(10, 0), tzinfo=timezone.get_current_timezone()
    )


def test_records_prefill_the_checklist_and_cannot_be_unticked(world, client):
    RiskFlag.objects.create(household=world.referral.household, type="weapon", source="police")
    RiskFlag.objects.create(household=world.referral.household, type="animal", source="observation")
    client.force_login(world.worker)
    page = client.get(reverse("safety:visit_plan", args=[world.referral.pk]))
    assert page.status_code == 200
    form = page.context["assessment_form"]
    for key in ("weapons", "dogs", "first_visit"):
        assert form.fields[key].initial is True and form.fields[key].disabled, key
    assert not form.fields["prior_violence"].initial
    html = page.content.decode()
    assert 'data-testid="risk-checklist"' in html and 'data-testid="score-table"' in html
    assert "risk flag: Weapon" in html and "6 or more" in html
    # The worker unticks nothing they could (disabled boxes are not sent) and adds substance use.
    response = client.post(
        reverse("safety:visit_plan", args=[world.referral.pk]),
        {
            "workers": [world.worker.pk],
            "planned_start": _daytime().strftime("%Y-%m-%dT%H:%M"),
            "expected_minutes": 60,
            "substance_use": "on",
        },
    )
    visit = HomeVisit.objects.get()
    assert response.status_code == 302 and response.url == visit.get_absolute_url()
    stored = VisitRiskAssessment.objects.get(visit=visit)
    assert stored.score == 4 + 1 + 1 + 2  # weapons, dogs, first visit, substance use
    assert stored.recommendation == ESCORT
    assert stored.from_records["weapons"] == ["flag:weapon"]
    assert stored.assessed_by == world.worker
    shown = client.get(visit.get_absolute_url()).content.decode()
    assert 'data-testid="recommendation">Go with a police escort' in shown
    assert 'data-testid="start-blocked"' in shown


def test_violent_hazard_history_and_the_hour_count(world):
    HazardEvent.objects.create(
        reference="H-1",
        worker=world.worker,
        reported_by=world.worker,
        team=world.team,
        types=["physical_attack"],
        occurred_at=timezone.now() - timedelta(days=40),
        place="Doorstep",
        referral=world.referral,
        narrative="Pushed",
    )
    night = timezone.localtime(soon()).replace(hour=21, minute=0) + timedelta(days=1)
    visit = _plan(world, start=night)
    found = assessment.assess_visit(actor=world.worker, visit=visit, answers={})
    assert found.answers["prior_violence"] and found.answers["after_dark"] and found.answers["first_visit"]
    assert found.score == 3 + 1 + 1 and found.recommendation == SECOND


def test_an_earlier_visit_means_it_is_not_the_first(world):
    earlier = _plan(world)
    services.start_visit(actor=world.worker, visit=earlier)
    services.check_out(actor=world.worker, visit=earlier)
    later = _plan(world, start=_daytime())
    assert not assessment.assess_visit(actor=world.worker, visit=later, answers={}).answers["first_visit"]


def test_plan_below_the_recommendation_cannot_start(world, client):
    visit = _plan(world, start=_daytime())
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"prior_violence": True})
    with pytest.raises(ValidationError, match="second worker"):
        services.start_visit(actor=world.worker, visit=visit)
    client.force_login(world.worker)
    client.post(reverse("safety:visit_act", args=[visit.pk, "start"]))
    visit.refresh_from_db()
    assert (visit.status, visit.started_at) == ("planned", None)


def test_two_workers_meet_a_second_worker_recommendation(world):
    visit = _plan(world, workers=[world.worker, world.worker2], start=_daytime())
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"prior_violence": True})
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_an_accepted_escort_meets_a_police_escort_recommendation(world):
    visit = _plan(world, start=_daytime())
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"weapons": True, "prior_violence": True})
    with pytest.raises(ValidationError, match="police escort"):
        services.start_visit(actor=world.worker, visit=visit)
    escort = services.request_escort(actor=world.worker, visit=visit, needed_from=soon(30), needed_until=soon(120))
    with pytest.raises(ValidationError):  # requested is not enough: police may still say no
        services.start_visit(actor=world.worker, visit=visit)
    services.answer_escort(actor=world.officer, escort=escort, accept=True)
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_override_needs_a_supervisor_and_a_reason(world, client):
    visit = _plan(world, start=_daytime())
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"prior_violence": True})
    before = list(VisitRiskAssessment.objects.values_list("override_by", "override_reason", "override_at"))
    with pytest.raises(PermissionDenied):
        assessment.override_assessment(actor=world.worker, visit=visit, reason="I know this family")
    client.force_login(world.worker)
    url = reverse("safety:visit_assessment_override", args=[visit.pk])
    assert client.post(url, {"reason": "I know this family"}).status_code == 403
    assert list(VisitRiskAssessment.objects.values_list("override_by", "override_reason", "override_at")) == before
    assert 'data-testid="override-assessment"' not in client.get(visit.get_absolute_url()).content.decode()
    with pytest.raises(ValidationError):
        services.start_visit(actor=world.worker, visit=visit)

    with pytest.raises(ValidationError):
        assessment.override_assessment(actor=world.supervisor, visit=visit, reason="  ")
    client.force_login(world.supervisor)
    assert 'data-testid="override-assessment"' in client.get(visit.get_absolute_url()).content.decode()
    assert client.post(url, {"reason": "Partner in custody until Friday"}).status_code == 302
    stored = VisitRiskAssessment.objects.get(visit=visit)
    assert (stored.override_by, stored.override_reason) == (world.supervisor, "Partner in custody until Friday")
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"


def test_answering_again_with_a_higher_risk_drops_the_override(world):
    visit = _plan(world, start=_daytime())
    assessment.assess_visit(actor=world.worker, visit=visit, answers={"prior_violence": True})
    assessment.override_assessment(actor=world.supervisor, visit=visit, reason="Partner in custody")
    again = assessment.assess_visit(actor=world.worker, visit=visit, answers={"prior_violence": True, "weapons": True})
    assert again.recommendation == ESCORT and again.override_by is None
    with pytest.raises(ValidationError):
        services.start_visit(actor=world.worker, visit=visit)


def test_the_assessment_page_shows_the_table_and_saves(world, client):
    visit = _plan(world, start=_daytime())
    client.force_login(world.worker)
    page = client.get(reverse("safety:visit_assessment", args=[visit.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "3–5" in html and "Go with a second worker" in html
    client.post(reverse("safety:visit_assessment", args=[visit.pk]), {"dogs": "on"})
    stored = VisitRiskAssessment.objects.get(visit=visit)
    assert stored.score == 1 + 1 and stored.recommendation == SOLO  # with first visit from the records
    assert services.start_visit(actor=world.worker, visit=visit).status == "started"
    assert client.get(reverse("safety:visit_assessment", args=[visit.pk])).status_code == 200


def test_police_never_see_the_assessment(world, client):
    visit = _plan(world)
    assessment.assess_visit(actor=world.worker, visit=visit, answers={})
    client.force_login(world.officer)
    assert client.get(reverse("safety:visit_assessment", args=[visit.pk])).status_code == 404
    assert not VisitRiskAssessment.objects.visible_to(world.officer).exists()
