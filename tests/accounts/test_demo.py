"""The demo city (``manage.py seed_demo``): six months of history made through the services.

Seeded once for the class (``setUpTestData``); each test reads it inside its own savepoint.
"""

import io
import re
from datetime import timedelta

from django.core.management import call_command
from django.db.models import Count, F, Min
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts import demo
from accounts.models import Notification, Organization, User
from referrals.models import (
    DeclineReason,
    Household,
    Outcome,
    Person,
    Referral,
    ReferralEscalation,
    ReferralEvent,
    Status,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def snapshot():
    """Row counts of everything the demo makes."""
    from django.apps import apps

    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.app_label in ("accounts", "referrals", "safety", "patrols")
        and model._meta.model_name not in ("accesslog", "timerrun")
    }


class DemoCity(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = io.StringIO()
        with override_settings(DEBUG=True):  # demo users have a published password: development sites only
            call_command("seed_demo", stdout=cls.output)
        cls.now = timezone.now()

    def test_referrals_in_every_status_over_six_months(self):
        assert Referral.objects.count() >= 300
        assert set(Referral.objects.values_list("status", flat=True)) == set(Status.values)
        first = Referral.objects.aggregate(first=Min("filed_at"))["first"]
        assert first < self.now - timedelta(days=170)
        by_district = dict(Referral.objects.values_list("district__code").annotate(n=Count("pk")))
        assert by_district["north"] > 100 and by_district["south"] > 100

    def test_every_turn_a_referral_can_take(self):
        closed = Referral.objects.filter(status=Status.CLOSED)
        assert set(closed.values_list("outcome", flat=True)) == set(Outcome.values)
        reasons = set(Referral.objects.filter(status=Status.DECLINED).values_list("decline_reason", flat=True))
        assert len(reasons) >= 5 and "" not in reasons and reasons <= set(DeclineReason.values)
        kinds = set(ReferralEvent.objects.values_list("kind", flat=True))
        expected = {"transferred", "redirected", "dispatched", "escalated", "escalation_acknowledged", "cancelled"}
        assert expected <= kinds
        # A redirected referral went on to another team and was worked there.
        redirected = Referral.objects.filter(events__kind="redirected").exclude(status=Status.DECLINED)
        assert redirected.exists()

    def test_a_worker_has_a_caseload(self):
        worker = User.objects.get(username="worker1")
        caseload = Referral.objects.filter(assigned_worker=worker, status__in=[Status.ACCEPTED, Status.IN_PROGRESS])
        assert 3 <= caseload.count() <= worker.organization.caseload_max

    def test_overdue_referrals_were_escalated_on_time(self):
        overdue = Referral.objects.filter(status=Status.SUBMITTED, ack_due_at__lt=self.now)
        assert overdue.exists()
        assert ReferralEscalation.objects.filter(referral__in=overdue).exists()
        # Each escalation step fired at its due time, as the one-minute sweep would have.
        late = ReferralEscalation.objects.filter(fired_at__gt=F("due_at") + timedelta(minutes=1))
        assert not late.exists()
        assert ReferralEscalation.objects.filter(acknowledged_at__isnull=False).exists()

    def test_history_happened_in_order(self):
        """Events carry the times they would have had: nothing before filing, nothing in the future."""
        assert not ReferralEvent.objects.filter(at__lt=F("referral__filed_at")).exists()
        assert not ReferralEvent.objects.filter(at__gt=self.now).exists()
        submitted = ReferralEvent.objects.filter(kind="submitted")
        assert submitted.count() == Referral.objects.count()
        assert not submitted.exclude(at=F("referral__filed_at")).exists()
        closed = Referral.objects.filter(status=Status.CLOSED)
        assert not closed.filter(closed_at__lt=F("accepted_at")).exists()
        assert not Notification.objects.filter(created_at__gt=self.now).exists()

    def test_households_with_repeat_referrals(self):
        repeat = Household.objects.annotate(n=Count("referrals")).filter(n__gt=1)
        assert repeat.count() >= 10
        assert Referral.objects.filter(linked_to__isnull=False).exists()

    def test_names_addresses_and_narratives_are_in_chinese(self):
        for text in Referral.objects.values_list("narrative", flat=True):
            assert CJK.search(text) and not LATIN_WORD.search(text), text
        for name, address in Person.objects.values_list("name", "address"):
            assert CJK.search(name) and not LATIN_WORD.search(name), name
            assert not address or CJK.search(address), address
        for text in Referral.objects.filter(status=Status.CLOSED).values_list("outcome_summary", flat=True):
            assert CJK.search(text), text

    def test_the_counts_are_printed(self):
        lines = [line.split() for line in self.output.getvalue().splitlines()]
        assert ["Referrals", str(Referral.objects.count())] in [line[:2] for line in lines]

    def test_a_second_run_changes_nothing(self):
        before = snapshot()
        passwords = dict(User.objects.values_list("username", "password"))
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=io.StringIO())
        assert snapshot() == before
        assert dict(User.objects.values_list("username", "password")) == passwords

    def test_demo_users_can_still_sign_in(self):
        usernames = ["officer1", "worker1", "coordinator1", "supervisor1", "stationhead1", "precinct1", "admin"]
        roles = set(User.objects.values_list("role", flat=True))
        assert {"officer", "social_worker", "intake_coordinator", "supervisor", "administrator"} <= roles
        for username in usernames:
            response = self.client.post(
                reverse("login"), {"username": username, "password": demo.DEMO_PASSWORD}, REMOTE_ADDR="10.9.9.9"
            )
            assert response.status_code == 302, username
            assert self.client.get(reverse("home")).status_code == 200
            self.client.post(reverse("logout"))

    def test_the_plan_is_the_same_on_every_run(self):
        from referrals.demo import plan_cases

        world = {
            "stations": list(Organization.objects.filter(kind="station").order_by("code")),
            "teams": list(Organization.objects.filter(kind="team").order_by("code")),
            "people": {u.username: u for u in User.objects.all()},
            "now": self.now,
            "today": timezone.localdate(self.now),
            "start": timezone.localtime(self.now).replace(hour=0, minute=0, second=0, microsecond=0)
            - timedelta(days=demo.HISTORY_DAYS),
        }

        def plan():
            return [(c.category, c.level, c.filed, c.fate, c.outcome, c.narrative) for c in plan_cases(world)]

        assert plan() == plan()

    def test_risk_flags_visits_and_escorts(self):
        from safety.models import EscortRequest, HomeVisit, RiskFlag

        assert RiskFlag.objects.active().count() >= 20
        assert RiskFlag.objects.exclude(review_on=None).filter(review_on__lt=timezone.localdate()).exists()
        visits = HomeVisit.objects.all()
        assert visits.filter(status=HomeVisit.Status.CHECKED_OUT).count() >= 50
        assert visits.filter(status=HomeVisit.Status.PLANNED, planned_start__gt=self.now).exists()
        # A flagged household is never visited alone without an escort, a colleague or an override.
        for visit in visits.filter(status=HomeVisit.Status.CHECKED_OUT, override_by__isnull=True):
            flagged = RiskFlag.objects.filter(household=visit.referral.household_id, added_at__lt=visit.started_at)
            if flagged.active(on=timezone.localdate(visit.started_at)).exists():
                accepted = visit.escort_requests.filter(status=EscortRequest.Status.ACCEPTED).exists()
                assert visit.workers.count() >= 2 or accepted, visit.pk
        assert set(EscortRequest.objects.values_list("status", flat=True)) >= {"accepted", "declined"}

    def test_a_missed_check_out_and_an_alarm(self):
        from safety.models import SafetyAlert

        missed = SafetyAlert.objects.filter(kind=SafetyAlert.Kind.MISSED_CHECK_OUT)
        assert set(missed.values_list("level", flat=True)) == {1, 2}
        first = missed.get(level=1)
        assert first.raised_at == first.visit.expected_end_at + timedelta(minutes=15)  # the sweep fired on time
        alarm = SafetyAlert.objects.get(kind=SafetyAlert.Kind.ALARM)
        assert alarm.acknowledged_at and alarm.resolution == SafetyAlert.Resolution.REAL_EMERGENCY
        assert alarm.visit.hazard_events.exists()

    def test_one_major_hazard_event(self):
        from safety.models import HazardEvent, SafetyAlert

        events = HazardEvent.objects.all()
        assert events.count() >= 10
        major = events.get(is_major=True)
        assert "repeat_injury" in major.major_reasons
        assert SafetyAlert.objects.filter(kind=SafetyAlert.Kind.MAJOR_EVENT, event=major).exists()
        assert events.filter(occurred_at__lt=self.now - timedelta(days=150)).exists()
        for text in events.values_list("narrative", flat=True):
            assert CJK.search(text) and not LATIN_WORD.search(text), text

    def test_patrol_beats_visits_and_key_locations(self):
        from patrols.models import Beat, KeyLocation, Outcome, PatrolVisit, PersonOfConcern, SearchReport

        assert Beat.objects.count() >= 8
        assert set(PatrolVisit.objects.values_list("outcome", flat=True)) == set(Outcome.values)
        assert SearchReport.objects.exists()
        assert PersonOfConcern.objects.filter(next_due_on__lt=timezone.localdate()).exists()
        assert KeyLocation.objects.count() >= 10
        assert KeyLocation.objects.filter(status=KeyLocation.Status.SUSPECTED).exists()
        raised = Referral.objects.filter(origin=Referral.Origin.PATROL_VISIT)
        assert raised.exists()
        visit = PatrolVisit.objects.get(reference=raised.first().origin_reference)
        assert visit.vulnerable_family

    def test_monthly_reports_one_late_and_an_evaluation(self):
        from patrols.models import Evaluation, MonthlyReport, ReportAmendment

        submitted = MonthlyReport.objects.filter(status=MonthlyReport.Status.SUBMITTED)
        assert submitted.count() >= 16
        late = submitted.filter(submitted_at__date__gt=F("due_on"))
        assert late.count() == 1
        assert set(late.get().reminders.values_list("level", flat=True)) == {1, 2}
        assert ReportAmendment.objects.exists()
        evaluations = Evaluation.objects.all()
        assert evaluations.count() == 4 and all(e.total > 0 for e in evaluations)
