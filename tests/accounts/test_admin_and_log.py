import pytest
from django.db import connection
from django.urls import reverse

from accounts.access_log import log_access
from accounts.models import AccessLog, Organization
from tests.factories import AdministratorFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_access_log_is_append_only(rf):
    admin = AdministratorFactory()
    request = rf.get("/x", REMOTE_ADDR="192.0.2.7")
    request.user = admin
    entry = log_access(request, admin)
    assert entry.ip_address == "192.0.2.7" and entry.object_type == "accounts.user"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AccessLog.objects.all().update(detail="x")
    with pytest.raises(PermissionError):
        AccessLog.objects.all().delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger exists on Postgres")
def test_database_refuses_raw_updates_to_the_access_log(rf):
    from django.db import DatabaseError, transaction

    admin = AdministratorFactory()
    request = rf.get("/x")
    request.user = admin
    log_access(request, admin)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_accesslog SET detail = 'tampered'")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="history triggers exist on Postgres")
def test_bulk_updates_still_leave_history():
    from accounts.models import OrganizationEvent

    org = OrganizationFactory(name="Before")
    Organization.objects.filter(pk=org.pk).update(name="After")
    names = list(OrganizationEvent.objects.filter(pgh_obj=org).order_by("pgh_id").values_list("name", flat=True))
    assert names[-1] == "After" and "Before" in names


def test_admin_add_organisation_with_bad_input_shows_field_errors(client):
    admin = AdministratorFactory()
    client.force_login(admin)
    response = client.post(
        reverse("admin:accounts_organization_add"),
        {
            "name": "x" * 500,
            "code": "not a slug!",
            "kind": "nonsense",
            "time_zone": "Mars/Olympus",
            "business_days": "89",
            "opens_at": "25:00",
            "closes_at": "abc",
            "caseload_max": "-3",
            "holidays-TOTAL_FORMS": "0",
            "holidays-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "errorlist" in html
    assert not Organization.objects.filter(code="not a slug!").exists()


def test_admin_user_needs_an_organisation_for_field_roles(client):
    admin = AdministratorFactory()
    client.force_login(admin)
    user = __import__("tests.factories", fromlist=["x"]).SocialWorkerFactory()
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        {
            "username": user.username,
            "role": "social_worker",
            "organization": "",
            "language": "en",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "This role needs an organisation." in response.content.decode() or "errorlist" in response.content.decode()


@pytest.mark.django_db
def test_healthz(client):
    from tests.factories import AdministratorFactory

    client.force_login(AdministratorFactory())  # details are for staff; anonymous callers get up/down
    data = client.get("/healthz").json()
    assert data["database"] == "ok"
    assert data["broker"] in ("ok", "embedded")


def test_database_outage_answers_503_with_retry_after(rf):
    from django.db import OperationalError

    from accounts.middleware import DatabaseUnavailableMiddleware

    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/"), OperationalError("server closed the connection"))
    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert middleware.process_exception(rf.get("/"), ValueError("other")) is None
