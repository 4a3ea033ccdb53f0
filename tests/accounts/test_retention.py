"""Finished records past their keeping period lose their personal content; counts stay; holds stop it."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts import retention
from accounts.models import AccessLog, LegalHold, Notification, RetentionRule, RetentionRun
from referrals import services
from referrals.models import CaseNote, Household, Person, Referral
from tests.referrals import conftest as referral_fixtures
from tests.referrals.conftest import referral_data

pytestmark = pytest.mark.django_db
world = referral_fixtures.world

YEARS = timedelta(days=365)


def _closed_case(world, name, phone, address, *, years_ago=8):
    referral = services.submit_referral(
        actor=world.officer,
        persons=[({"name": name, "phone": phone, "address": address, "id_number": "A123456789"}, "subject")],
        **referral_data(narrative=f"Narrative about {name}"),
    )
    services.accept_referral(actor=world.worker, referral=referral)
    services.add_note(actor=world.worker, referral=referral, text=f"Note about {name}")
    services.record_first_contact(actor=world.worker, referral=referral)
    services.close_referral(actor=world.worker, referral=referral, outcome="mediated", summary=f"Outcome for {name}")
    Referral.objects.filter(pk=referral.pk).update(closed_at=timezone.now() - years_ago * YEARS)
    return Referral.objects.get(pk=referral.pk)


def test_an_old_closed_referral_keeps_its_figures_but_loses_names_text_and_history(world):
    old = _closed_case(world, "Chen Old", "0911000001", "No. 1, Old Rd.")
    recent = _closed_case(world, "Lin Recent", "0911000002", "No. 2, New Rd.", years_ago=1)

    referral_history = apps.get_model("referrals", "ReferralHistory")
    if connection.vendor == "postgresql":  # history is kept by triggers there
        assert referral_history.objects.filter(pgh_obj_id=old.pk, narrative__contains="Chen").exists()

    run = retention.run()

    old.refresh_from_db()
    assert old.narrative == "—" and old.outcome_summary == "" and old.incident_place == ""
    assert (old.status, old.category, old.level, old.outcome) == ("closed", "family_conflict", 2, "mediated")
    person = Person.objects.get(referral_links__referral=old)
    assert (person.name, person.phone, person.address, person.id_number or "") == ("—", "", "", "")
    assert Household.objects.get(pk=old.household_id).address == ""
    assert CaseNote.objects.get(referral=old).text == "—"
    assert all("Chen" not in (e.note or "") for e in old.events.all())
    assert run.report["referral"]["anonymised"] == 1
    history = apps.get_model("referrals", "ReferralHistory"), apps.get_model("referrals", "PersonEvent")
    assert not history[0].objects.filter(pgh_obj_id=old.pk, narrative__contains="Chen").exists()
    assert not history[1].objects.filter(pgh_obj_id=person.pk, name__contains="Chen").exists()

    recent.refresh_from_db()
    assert recent.narrative == "Narrative about Lin Recent"
    assert Person.objects.get(referral_links__referral=recent).name == "Lin Recent"
    # A second run has nothing more to do.
    assert retention.run().report["referral"]["anonymised"] == 0


def test_a_person_still_needed_by_a_retained_referral_keeps_their_details(world):
    old = _closed_case(world, "Wang Shared", "0911000003", "No. 3, Same Rd.")
    person = Person.objects.get(referral_links__referral=old)
    newer = services.submit_referral(
        actor=world.officer,
        persons=[({"name": "Wang Shared"}, "subject")],
        **referral_data(narrative="New trouble"),
    )
    newer.person_links.update(person=person)
    retention.run()
    person.refresh_from_db()
    assert person.name == "Wang Shared" and person.phone == "0911000003"


def test_legal_hold_stops_it_and_the_run_reports_it(world):
    old = _closed_case(world, "Hsu Held", "0911000004", "No. 4, Court Rd.")
    LegalHold.objects.create(record_type="referral", record_key=old.reference, reason="Court order 2026-123")
    run = retention.run()
    old.refresh_from_db()
    assert old.narrative == "Narrative about Hsu Held"
    assert run.report["referral"] == {"keep_days": 7 * 365, "anonymised": 0, "on_legal_hold": 1}


def test_periods_come_from_the_admin_rule_and_the_access_log_keeps_its_own(world, rf):
    case = _closed_case(world, "Tsai Rule", "0911000005", "No. 5, Rule Rd.", years_ago=2)
    assert retention.run().report["referral"]["anonymised"] == 0
    RetentionRule.objects.create(record_type="referral", keep_days=365)
    assert retention.run().report["referral"]["anonymised"] == 1
    case.refresh_from_db()
    assert case.narrative == "—"

    request = rf.get("/")
    request.user = world.worker
    from accounts.access_log import log_access

    new_entry = log_access(request, case)
    AccessLog.objects.bulk_create(
        [AccessLog(user=world.worker, action="view", object_type="x", at=timezone.now() - 7 * YEARS)]
    )
    Notification.objects.create(recipient=world.worker, kind="x", title="old")
    Notification.objects.filter(title="old").update(created_at=timezone.now() - 2 * YEARS)
    report = retention.run().report
    assert report["access_log"]["deleted"] == 1 and report["notification"]["deleted"] == 1
    assert AccessLog.objects.filter(pk=new_entry.pk).exists()


def test_the_command_dry_run_changes_nothing_and_every_run_is_reported(world, capsys):
    old = _closed_case(world, "Kao Dry", "0911000006", "No. 6, Dry Rd.")
    call_command("apply_retention", "--dry-run")
    old.refresh_from_db()
    assert old.narrative == "Narrative about Kao Dry"
    assert "referral" in capsys.readouterr().out
    assert RetentionRun.objects.get().dry_run
