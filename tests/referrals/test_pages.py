import io
import secrets
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import AccessLog
from referrals import services
from referrals.models import Household, Person, Referral
from tests import factories as f
from tests.referrals.conftest import SUBJECT, referral_data
from tests.referrals.factories import ReferralFactory

pytestmark = pytest.mark.django_db
FILE = reverse("referrals:file")


def form_data(**overrides):
    data = {
        "form_token": secrets.token_urlsafe(24),  # a fresh filing page each time
        "category": "family_conflict",
        "level": "2",
        "incident_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "incident_place": "No. 9, Songjiang Rd.",
        "narrative": "Shouting reported by neighbours.",
        "consent": "given",
        "persons-TOTAL_FORMS": "1",
        "persons-INITIAL_FORMS": "0",
        "persons-MIN_NUM_FORMS": "0",
        "persons-MAX_NUM_FORMS": "12",
        "persons-0-role": "subject",
        "persons-0-name": "Lin Meiling",
        "persons-0-sex": "female",
        "persons-0-phone": "0955 123 456",
        "persons-0-address": "No. 9, Songjiang Rd.",
    }
    data.update(overrides)
    return data


def test_officer_files_a_referral_through_the_form(world, client):
    client.force_login(world.officer)
    assert client.get(FILE).status_code == 200
    response = client.post(FILE, form_data(**{"known_risks": ["weapons", "animals"]}))
    referral = Referral.objects.get()
    assert response.status_code == 302 and response.url == referral.get_absolute_url()
    assert referral.team == world.team
    assert referral.known_risks == ["weapons", "animals"]
    assert referral.person_links.get().person.name == "Lin Meiling"


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"category": ""}, "category"),
        ({"narrative": ""}, "narrative"),
        ({"narrative": "x" * 4001}, "narrative"),
        ({"incident_at": "2999-01-01T10:00"}, "incident_at"),
        ({"incident_at": "yesterday"}, "incident_at"),
        ({"level": "7"}, "level"),
        ({"level": "one"}, "level"),
        ({"consent": "refused"}, "consent_note"),
        ({"persons-0-name": "", "persons-0-phone": "0911"}, "name"),
        ({"persons-0-date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"persons-TOTAL_FORMS": "1000"}, None),
    ],
)
def test_bad_input_gives_field_errors_and_saves_nothing(world, client, overrides, field):
    client.force_login(world.officer)
    response = client.post(FILE, form_data(**overrides))
    assert response.status_code == 200
    assert Referral.objects.count() == 0 and Person.objects.count() == 0
    if field:
        assert field in response.context["form"].errors or any(
            field in errors for errors in response.context["formset"].errors
        )


def test_someone_elses_household_id_is_refused(world, client):
    stranger_household = ReferralFactory(household__address="Elsewhere 1").household
    client.force_login(world.officer)
    response = client.post(FILE, form_data(household=str(stranger_household.pk)))
    assert response.status_code == 200
    assert "household" in response.context["form"].errors
    assert not Referral.objects.filter(referring_officer=world.officer).exists()


def test_a_second_call_about_the_same_phone_suggests_the_first(world, client):
    first = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    other_officer = f.OfficerFactory(organization=f.StationFactory(district=world.district))
    client.force_login(other_officer)
    data = form_data(**{"persons-0-phone": "0933111222", "persons-0-name": "", "check": "1"})
    response = client.post(FILE, data)
    suggestions = response.context["suggestions"]
    # The other station's officer is told a match exists, and nothing about it.
    assert (suggestions["referrals"], suggestions["persons"], suggestions["possible_match"]) == ([], [], True)
    # Linking instead of duplicating: a household the officer cannot see is linked by the intake desk.
    data = form_data(**{"request_link": "1", "persons-0-phone": "0933111222"})
    client.post(FILE, data)
    second = Referral.objects.exclude(pk=first.pk).get()
    assert second.household != first.household
    services.confirm_link(actor=f.AdministratorFactory(), link=second.link_requests.get())
    second.refresh_from_db()
    assert (second.linked_to, second.household) == (first, first.household)


def test_a_second_referral_for_the_same_address_suggests_the_first(world, client):
    first = services.submit_referral(
        actor=world.officer,
        persons=[SUBJECT],
        household=Household.objects.create(address="台北市中山區民權東路一段1號"),
        **referral_data(),
    )
    client.force_login(world.officer)
    response = client.post(
        reverse("referrals:file_suggestions"),
        form_data(**{"persons-0-address": "臺北市 中山區 民權東路一段 1 號", "persons-0-phone": ""}),
        HTTP_HX_REQUEST="true",
    )
    assert first.reference in response.content.decode()


def test_officer_follows_status_outcome_and_shared_notes_never_internal(world, client):
    r = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    services.accept_referral(actor=world.worker, referral=r)
    services.add_note(actor=world.worker, referral=r, text="INTERNAL-ASSESSMENT risk of relapse")
    services.add_note(actor=world.worker, referral=r, text="SHARED visit booked", visibility="shared")
    services.record_first_contact(actor=world.worker, referral=r)
    services.close_referral(
        actor=world.supervisor, referral=r, outcome="could_not_contact", summary="Tried three times."
    )
    client.force_login(world.officer)
    mine = client.get(reverse("referrals:mine")).content.decode()
    assert r.reference in mine
    page = client.get(r.get_absolute_url()).content.decode()
    assert "SHARED visit booked" in page and "Tried three times." in page
    assert "INTERNAL-ASSESSMENT" not in page
    assert "new contact details" in page  # the suggested next step
    api = client.get(f"/api/referrals/{r.pk}/").content.decode()
    assert "SHARED visit booked" in api and "INTERNAL-ASSESSMENT" not in api
    assert "first_contact" not in [e["kind"] for e in client.get(f"/api/referrals/{r.pk}/").json()["events"]]


def test_detail_views_are_written_to_the_access_log(world, client):
    r = ReferralFactory(team=world.team)
    client.force_login(world.worker)
    client.get(r.get_absolute_url())
    log = AccessLog.objects.get(action="view")
    assert (log.user, log.object_id) == (world.worker, str(r.pk))


@pytest.mark.parametrize("who", ["officer_other_station", "worker_other_team"])
def test_other_station_or_team_gets_404_by_url_and_api(world, client, who):
    r = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    user = f.OfficerFactory() if who == "officer_other_station" else f.SocialWorkerFactory()
    client.force_login(user)
    assert client.get(r.get_absolute_url()).status_code == 404
    assert client.get(f"/api/referrals/{r.pk}/").status_code == 404
    assert client.post(reverse("referrals:act", args=[r.pk, "acknowledge"])).status_code == 404
    assert client.post(f"/api/referrals/{r.pk}/acknowledge/").status_code == 404
    assert client.get(f"/api/referrals/{r.pk}x/").status_code == 404


def test_pages_for_other_roles_answer_404(world, client):
    client.force_login(world.worker)
    assert client.get(FILE).status_code == 404
    assert client.get(reverse("referrals:mine")).status_code == 404
    client.force_login(world.officer)
    assert client.get(reverse("referrals:queue")).status_code == 404
    assert client.get(reverse("referrals:matching")).status_code == 404


def test_queue_actions_work_in_place_with_htmx(world, client):
    r = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    client.force_login(world.worker)
    url = reverse("referrals:act", args=[r.pk, "acknowledge"])
    response = client.post(url, {"row": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<tr id="row-{r.pk}"') and "Acknowledged" in html
    response = client.post(reverse("referrals:act", args=[r.pk, "accept"]), {"row": "1"}, HTTP_HX_REQUEST="true")
    r.refresh_from_db()
    assert r.assigned_worker == world.worker


def test_decline_without_reason_shows_the_error(world, client):
    r = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    client.force_login(world.worker)
    response = client.post(reverse("referrals:act", args=[r.pk, "decline"]), {"reason": "", "note": ""})
    assert response.status_code == 400
    assert "reason" in response.context["forms"]["decline"].errors
    r.refresh_from_db()
    assert r.status == "submitted"


def test_double_submitted_action_is_refused_the_second_time(world, client):
    r = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    client.force_login(world.worker)
    url = reverse("referrals:act", args=[r.pk, "acknowledge"])
    client.post(url)
    client.post(url)
    assert r.events.filter(kind="acknowledged").count() == 1


def test_queue_filters_and_sorts_by_level_then_due(world, client):
    low = ReferralFactory(team=world.team, level=3, ack_due_at=timezone.now() + timedelta(hours=1))
    high_late = ReferralFactory(team=world.team, level=1, ack_due_at=timezone.now() + timedelta(hours=2))
    high_soon = ReferralFactory(team=world.team, level=1, ack_due_at=timezone.now() - timedelta(minutes=5))
    client.force_login(world.worker)
    page = client.get(reverse("referrals:queue")).context["page"]
    assert [r.pk for r in page.object_list] == [high_soon.pk, high_late.pk, low.pk]
    page = client.get(reverse("referrals:queue"), {"level": "3"}).context["page"]
    assert [r.pk for r in page.object_list] == [low.pk]
    page = client.get(reverse("referrals:queue"), {"overdue": "on"}).context["page"]
    assert [r.pk for r in page.object_list] == [high_soon.pk]
    assert client.get(reverse("referrals:queue"), {"level": "x", "station": "abc"}).status_code == 200


def test_exports_contain_visible_rows_only_neutralised_and_logged(world, client):
    mine = ReferralFactory(team=world.team, incident_place="x", reference="R-2026-900001")
    ReferralFactory(reference="R-2026-900002")  # another team's
    Referral.objects.filter(pk=mine.pk).update(outcome="")
    mine.team.name = '=HYPERLINK("http://evil")'
    mine.team.save()
    client.force_login(world.worker)
    response = client.get(reverse("referrals:queue"), {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["R-2026-900001"]
    assert rows[1][rows[0].index("Team")].startswith("'=")
    csv_text = client.get(reverse("referrals:queue"), {"format": "csv"}).content.decode("utf-8-sig")
    assert "R-2026-900002" not in csv_text and "'=HYPERLINK" in csv_text
    assert AccessLog.objects.filter(action="export").count() == 2


def test_search_finds_within_visibility_only(world, client):
    r = services.submit_referral(
        actor=world.officer,
        persons=[
            (
                {
                    "name": "Chen Yi",
                    "phone": "0912-345-678",
                    "id_number": "A123456789",
                    "address": "No. 5, Linsen N. Rd.",
                },
                "subject",
            )
        ],
        **referral_data(),
    )
    client.force_login(world.worker)
    for q in ["0912345678", "Chen Yi", "a123456789", "Linsen N", r.reference]:
        page = client.get(reverse("referrals:search"), {"q": q}).context["page"]
        assert [x.pk for x in page.object_list] == [r.pk], q
    client.force_login(f.SocialWorkerFactory())
    page = client.get(reverse("referrals:search"), {"q": "0912345678"}).context["page"]
    assert list(page.object_list) == []


def test_id_numbers_are_encrypted_at_rest_and_never_listed(world, client):
    from django.db import connection

    services.submit_referral(
        actor=world.officer, persons=[({"name": "Chen Yi", "id_number": "A123456789"}, "subject")], **referral_data()
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM referrals_person")
        stored = cursor.fetchone()[0]
    assert "A123456789" not in stored
    client.force_login(world.worker)
    assert "A123456789" not in client.get(reverse("referrals:queue")).content.decode()


def test_caseload_counts_against_the_team_maximum(world, client):
    for _ in range(3):
        r = ReferralFactory(team=world.team)
        services.accept_referral(actor=world.worker, referral=r)
    client.force_login(world.worker)
    response = client.get(reverse("referrals:caseload"))
    counts = {w.pk: w.open_cases for w in response.context["counts"]}
    assert counts == {world.worker.pk: 3, world.worker2.pk: 0}
    assert "3 open cases of a maximum of 25" in response.content.decode()


def test_supervisor_sees_escalations_and_cases_needing_reassignment(world, client):
    r = ReferralFactory(team=world.team, ack_due_at=timezone.now() - timedelta(hours=1))
    Referral.objects.filter(pk=r.pk).update(escalate_at=r.ack_due_at)
    services.sweep_escalations()
    r2 = ReferralFactory(team=world.team)
    services.accept_referral(actor=world.worker, referral=r2)
    world.worker.is_active = False
    world.worker.save()
    client.force_login(world.supervisor)
    html = client.get(reverse("referrals:escalations")).content.decode()
    assert r.reference in html and r2.reference in html
    escalation = r.escalations.get()
    client.post(reverse("referrals:acknowledge_escalation", args=[escalation.pk]))
    escalation.refresh_from_db()
    assert escalation.acknowledged_by == world.supervisor


@pytest.mark.parametrize("rows", [5, 50])
def test_queue_and_my_referrals_query_count_does_not_grow(world, client, django_assert_max_num_queries, rows):
    ReferralFactory.create_batch(rows, team=world.team, referring_officer=world.officer)
    client.force_login(world.worker)
    # 15: the worker's object grants are read once per request, so the list's condition can use
    # the team's index when there are none.
    with django_assert_max_num_queries(15):
        assert client.get(reverse("referrals:queue")).status_code == 200
    client.force_login(world.officer)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("referrals:mine")).status_code == 200


def test_search_with_digits_still_matches_names_and_addresses(world, client):
    wang = services.submit_referral(
        actor=world.officer,
        persons=[({"name": "王大明", "address": "台北市信義路五段100號"}, "subject")],
        **referral_data(incident_place="台北市信義路五段100號"),
    )
    services.submit_referral(
        actor=world.officer,
        persons=[({"name": "李小華", "address": "台北市信義路五段100號"}, "subject")],
        **referral_data(),
    )
    client.force_login(world.worker)
    for q in ["王 100號", "王大明 信義路", "100號 王"]:
        page = client.get(reverse("referrals:search"), {"q": q}).context["page"]
        assert [x.pk for x in page.object_list] == [wang.pk], q
    both = client.get(reverse("referrals:search"), {"q": "信義路五段 100號"}).context["page"]
    assert len(both.object_list) == 2


def test_case_page_offers_visit_planning_and_flags_only_as_the_safety_policy_allows(world, client):
    referral = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    coordinator = f.CoordinatorFactory(organization__district=world.district)
    expected = {world.worker: True, world.officer: False, coordinator: False}
    for user, offered in expected.items():
        client.force_login(user)
        page = client.get(referral.get_absolute_url()).content.decode()
        assert ("/safety/visits/plan/" in page) is offered, user.role
