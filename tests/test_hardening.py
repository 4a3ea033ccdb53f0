"""Hardening of the platform: mail that cannot block the timers, uploads, keys, sign-in and input checks."""

import socket
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts import outbox, tasks, timers
from accounts.models import Notification
from safety.models import HomeVisit, SafetyAlert
from tests.safety.conftest import world  # noqa: F401 - fixture

EMAIL_TIMEOUT = 2


@pytest.fixture
def black_hole_smtp(settings):
    """A mail server that accepts TCP connections and never says a word."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(64)  # the kernel completes the handshakes; nobody ever reads or writes
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = server.getsockname()
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = EMAIL_TIMEOUT
    yield server
    server.close()


def _in_thread(func, *args, **kwargs):
    """Run ``func`` in a thread with its own database connection; return (thread, result holder)."""
    result = {}

    def run():
        try:
            result["value"] = func(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported by the test
            result["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _overdue_visit(world):  # noqa: F811 - the fixture's value
    now = timezone.now()
    visit = HomeVisit.objects.create(
        referral=world.referral,
        address="No. 8, Alley 2, Heping Rd.",
        planned_start=now - timedelta(hours=2),
        expected_minutes=60,
        status=HomeVisit.Status.STARTED,
        planned_by=world.worker,
        started_at=now - timedelta(hours=2),
        expected_end_at=now - timedelta(minutes=20),
        check_out_due_at=now - timedelta(minutes=5),
    )
    visit.workers.set([world.worker])
    return visit


# --- hole 5: a hanging mail server must not stop the safety timers ---------------------------------
@pytest.mark.django_db(transaction=True)
def test_embedded_sweep_returns_promptly_and_alerts_with_a_black_hole_mail_server(world, black_hole_smtp, settings):  # noqa: F811
    settings.EMAIL_DELIVERY = "outbox"  # embedded mode: no broker, the run_timers loop sends mail apart
    visit = _overdue_visit(world)
    started = time.monotonic()
    thread, result = _in_thread(timers.run_all)
    thread.join(timeout=EMAIL_TIMEOUT)
    assert not thread.is_alive(), "the sweep is stuck on the mail server"
    assert "error" not in result
    assert time.monotonic() - started < EMAIL_TIMEOUT
    alert = SafetyAlert.objects.get(visit=visit, kind=SafetyAlert.Kind.MISSED_CHECK_OUT)
    assert alert.level == 1
    note = Notification.objects.get(recipient=world.supervisor, kind="safety_alert")
    assert note.email_state == Notification.EmailState.PENDING  # queued, not sent inside the sweep


@pytest.mark.django_db(transaction=True)
def test_with_a_broker_the_sweep_only_publishes_the_email_on_its_own_queue(world, monkeypatch, settings):  # noqa: F811
    from config.celery import app

    settings.EMAIL_DELIVERY = "celery"
    published = []
    monkeypatch.setattr(tasks.send_notification_email, "delay", lambda *a, **k: published.append(a))
    monkeypatch.setattr(outbox, "send_mail", lambda *a, **k: pytest.fail("mail sent inside the sweep"))
    _overdue_visit(world)
    timers.run_all()
    note = Notification.objects.get(recipient=world.supervisor, kind="safety_alert")
    assert published == [(note.pk,)]
    assert note.email_state == Notification.EmailState.PENDING
    route = app.amqp.router.route({}, tasks.send_notification_email.name)
    assert route["queue"].name == "email"
    assert app.amqp.router.route({}, tasks.sweep_timers.name)["queue"].name != "email"
    for task in (
        tasks.send_notification_email,
        tasks.deliver_pending_emails,
        tasks.send_email_message,
        tasks.deliver_webhooks,
    ):
        assert 0 < task.soft_time_limit < task.time_limit, task.name
        assert app.amqp.router.route({}, task.name)["queue"].name == "email"


@pytest.mark.django_db(transaction=True)
def test_a_hung_send_gives_up_after_the_smtp_timeout_and_stays_in_the_outbox(black_hole_smtp):
    from tests.factories import SocialWorkerFactory

    user = SocialWorkerFactory()
    note = Notification.objects.create(
        recipient=user, kind="x", title="R-2026-000001: submitted", email_state=Notification.EmailState.PENDING
    )
    started = time.monotonic()
    thread, result = _in_thread(outbox.deliver_pending_emails, older_than=timedelta(0))
    thread.join(timeout=EMAIL_TIMEOUT * 3)
    assert not thread.is_alive(), "no SMTP timeout: the send hangs"
    assert result.get("value") == 0
    assert time.monotonic() - started < EMAIL_TIMEOUT * 3
    note.refresh_from_db()
    assert note.email_state == Notification.EmailState.PENDING and note.email_attempts == 1


@pytest.mark.django_db(transaction=True)
def test_a_password_reset_request_does_not_wait_for_the_mail_server(client, black_hole_smtp, settings):
    from tests.factories import SocialWorkerFactory

    settings.EMAIL_DELIVERY = "outbox"
    user = SocialWorkerFactory()
    started = time.monotonic()
    thread, result = _in_thread(client.post, reverse("password_reset"), {"email": user.email})
    thread.join(timeout=EMAIL_TIMEOUT)
    assert not thread.is_alive(), "the request waits for the mail server"
    assert result["value"].status_code == 302
    assert time.monotonic() - started < EMAIL_TIMEOUT


def test_the_smtp_connection_has_a_timeout_by_default():
    from django.conf import settings

    assert getattr(settings, "EMAIL_TIMEOUT", None), "no SMTP timeout: a silent mail server blocks the sender"
    assert 0 < settings.EMAIL_TIMEOUT <= 30


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_run_timers_sends_the_queued_email_after_the_sweep(world, settings, mailoutbox):  # noqa: F811
    from django.core.management import call_command

    settings.EMAIL_DELIVERY = "outbox"
    _overdue_visit(world)
    call_command("run_timers", "--once", stdout=open("/dev/null", "w"))  # noqa: SIM115
    note = Notification.objects.get(recipient=world.supervisor, kind="safety_alert")
    assert note.email_state == Notification.EmailState.SENT
    assert [world.supervisor.email] in [m.to for m in mailoutbox]


def test_compose_runs_email_on_its_own_worker():
    from pathlib import Path

    import yaml
    from django.conf import settings

    services_ = yaml.safe_load((Path(settings.BASE_DIR) / "docker-compose.yml").read_text())["services"]
    worker, mailer = " ".join(services_["worker"]["command"]), " ".join(services_["mailer"]["command"])
    assert "--queues celery" in worker and "email" not in worker
    assert "--queues email" in mailer


# --- hole 17: uploads are only ever served through the access-checked view ---------------------------
@pytest.fixture
def debug_urls(settings, tmp_path):
    """The URLconf as it is built with DEBUG on (the first-run default of scripts/run)."""
    import importlib

    from django.urls import clear_url_caches

    import config.urls

    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = True
    importlib.reload(config.urls)
    clear_url_caches()
    yield
    settings.DEBUG = False
    importlib.reload(config.urls)
    clear_url_caches()


@pytest.mark.django_db
def test_with_debug_on_attachments_are_not_served_from_media(world, client, settings, tmp_path, debug_urls):  # noqa: F811
    from django.core.files.uploadedfile import SimpleUploadedFile

    from safety import services as safety_services

    secret = b"%PDF-1.4 statement of the victim"
    event = safety_services.report_hazard_event(
        actor=world.worker,
        types=["physical_attack"],
        occurred_at=timezone.now(),
        place="Home visit",
        injury="minor",
        narrative="Pushed during a visit.",
        attachments=[SimpleUploadedFile("statement.pdf", secret, "application/pdf")],
    )
    attachment = event.attachments.get()
    assert (tmp_path / attachment.file.name).read_bytes() == secret
    url = settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else "/" + settings.MEDIA_URL
    response = client.get(url + attachment.file.name)
    assert response.status_code == 404
    assert secret not in b"".join(getattr(response, "streaming_content", [response.content]))
    client.force_login(world.worker)  # signed in it is no different: only the checked view serves it
    assert client.get(url + attachment.file.name).status_code == 404
    assert client.get(reverse("safety:attachment", args=[attachment.pk])).status_code == 200


# --- hole 18: field encryption with its own keys; a failure is an error, never the ciphertext ----------
NEW_KEY = "bmV3LWtleS1mb3ItdGhlLXJvdGF0aW9uLXRlc3QtLS0="  # 32 bytes, url-safe base64


def _person(id_number="A123456789"):
    from referrals.models import Person

    return Person.objects.create(name="Chen Yi", id_number=id_number)


def _raw_id_number(person):
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM referrals_person WHERE id = %s", [person.pk])
        return cursor.fetchone()[0]


def _set_raw_id_number(person, value):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE referrals_person SET id_number = %s WHERE id = %s", [value, person.pk])


@pytest.mark.django_db
def test_the_first_field_encryption_key_encrypts_and_it_is_not_derived_from_secret_key(settings):
    from cryptography.fernet import Fernet

    person = _person()
    token = _raw_id_number(person)
    assert "A123456789" not in token
    assert Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(token.encode()).decode() == "A123456789"
    settings.SECRET_KEY = "a-completely-different-secret-key-after-a-leak"  # rotating SECRET_KEY loses nothing
    assert type(person).objects.get(pk=person.pk).id_number == "A123456789"


@pytest.mark.django_db
def test_all_field_encryption_keys_decrypt_and_reencrypt_fields_moves_rows_to_the_first(settings):
    from cryptography.fernet import Fernet, InvalidToken
    from django.core.management import call_command

    from referrals.models import Person

    old_key = settings.FIELD_ENCRYPTION_KEYS[0]
    person = _person()
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY, old_key]
    assert Person.objects.get(pk=person.pk).id_number == "A123456789"  # written under the old key
    call_command("reencrypt_fields", stdout=open("/dev/null", "w"))  # noqa: SIM115
    token = _raw_id_number(person)
    assert Fernet(NEW_KEY).decrypt(token.encode()).decode() == "A123456789"
    with pytest.raises(InvalidToken):
        Fernet(old_key).decrypt(token.encode())
    settings.FIELD_ENCRYPTION_KEYS = [NEW_KEY]  # the old key can now be dropped
    assert Person.objects.get(pk=person.pk).id_number == "A123456789"


@pytest.mark.django_db
def test_a_value_no_key_can_decrypt_raises_instead_of_showing_the_ciphertext(settings):
    from cryptography.fernet import Fernet

    from referrals.models import Person

    person = _person()
    _set_raw_id_number(person, Fernet(NEW_KEY).encrypt(b"B987654321").decode())  # a key we do not hold
    with pytest.raises(Exception) as caught:
        Person.objects.get(pk=person.pk)
    assert "decrypt" in str(caught.value).lower()
    assert "A123456789" not in str(caught.value) and "B987654321" not in str(caught.value)


@pytest.mark.django_db
def test_rotating_the_search_hash_key_then_reencrypt_fields_keeps_id_search_working(settings):
    from django.core.management import call_command

    from referrals.models import Person, id_number_hash

    person = _person()
    settings.SEARCH_HASH_KEY = "a-new-search-hash-key-for-id-numbers"
    assert not Person.objects.filter(id_number_key=id_number_hash("A123456789")).exists()  # stale hashes
    call_command("reencrypt_fields", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Person.objects.filter(id_number_key=id_number_hash("A123456789"))) == [person]


def _settings_in_a_subprocess(env, code):
    import os
    import subprocess
    import sys

    from django.conf import settings

    clean = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "SEARCH_HASH_KEY")}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); from django.conf import settings; {code}"],
        cwd=settings.BASE_DIR,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("missing", ["FIELD_ENCRYPTION_KEYS", "SEARCH_HASH_KEY"])
def test_production_refuses_to_start_without_its_own_encryption_and_search_keys(missing):
    env = {"DEBUG": "false", "SECRET_KEY": "s" * 50, "FIELD_ENCRYPTION_KEYS": NEW_KEY, "SEARCH_HASH_KEY": "h" * 40}
    del env[missing]
    result = _settings_in_a_subprocess(env, "print('started')")
    assert result.returncode != 0 and missing in result.stderr


def test_development_keys_are_not_the_secret_key():
    result = _settings_in_a_subprocess(
        {"DEBUG": "true", "SECRET_KEY": "dev-secret"},
        "s = settings; print(s.SEARCH_HASH_KEY != s.SECRET_KEY, s.SECRET_KEY not in s.FIELD_ENCRYPTION_KEYS)",
    )
    assert result.stdout.split() == ["True", "True"], result.stderr


@pytest.mark.django_db
def test_reencrypt_fields_reads_rows_of_the_former_secret_key_derived_scheme(settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    from accounts import crypto
    from referrals.models import Person

    person = _person()
    former = crypto.legacy_keys([settings.SECRET_KEY])[0]  # what django-fernet-encrypted-fields derived
    _set_raw_id_number(person, Fernet(former).encrypt(b"A123456789").decode())
    with pytest.raises(crypto.DecryptionError):
        Person.objects.get(pk=person.pk)
    call_command("reencrypt_fields", "--legacy-salt", settings.SECRET_KEY, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert Person.objects.get(pk=person.pk).id_number == "A123456789"
    assert Fernet(settings.FIELD_ENCRYPTION_KEYS[0]).decrypt(_raw_id_number(person).encode()) == b"A123456789"


# --- hole 19: demo data, password reset, API docs, health check -------------------------------------
@pytest.mark.django_db
def test_seed_demo_refuses_to_run_with_debug_off(settings):
    from django.core.management import CommandError, call_command

    from accounts.models import Organization, User

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", verbosity=0)
    assert not User.objects.exists() and not Organization.objects.exists()


def _reset(client, email, ip="198.51.100.7"):
    return client.post(reverse("password_reset"), {"email": email}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_password_reset_is_rate_limited_per_account(client, mailoutbox):
    from tests.factories import SocialWorkerFactory

    user = SocialWorkerFactory()
    for i in range(10):  # from ten different addresses
        assert _reset(client, user.email, ip=f"198.51.100.{i + 1}").status_code == 302
    assert 1 <= len(mailoutbox) <= 3  # the account is not flooded with reset mails


@pytest.mark.django_db
def test_password_reset_is_rate_limited_per_address(client, mailoutbox):
    from tests.factories import SocialWorkerFactory

    users = [SocialWorkerFactory() for _ in range(12)]
    answers = [_reset(client, u.email).status_code for u in users]
    assert answers[:5] == [302] * 5
    assert answers[-1] == 429
    assert len(mailoutbox) < len(users)
    other = SocialWorkerFactory()
    assert _reset(client, other.email, ip="203.0.113.50").status_code == 302  # other addresses unaffected


@pytest.mark.django_db
def test_password_reset_links_are_valid_for_one_day(settings, monkeypatch):
    from datetime import datetime

    from django.contrib.auth.tokens import default_token_generator as tokens

    from tests.factories import SocialWorkerFactory

    assert settings.PASSWORD_RESET_TIMEOUT == 24 * 60 * 60
    user = SocialWorkerFactory()
    issued = datetime.now()
    monkeypatch.setattr(tokens, "_now", lambda: issued)
    token = tokens.make_token(user)
    monkeypatch.setattr(tokens, "_now", lambda: issued + timedelta(hours=23))
    assert tokens.check_token(user, token)
    monkeypatch.setattr(tokens, "_now", lambda: issued + timedelta(days=1, minutes=1))
    assert not tokens.check_token(user, token)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/", "/api/redoc/"])
def test_api_schema_and_docs_need_sign_in_in_production(client, url):
    from tests.factories import SocialWorkerFactory

    assert client.get(url).status_code in (401, 403)
    client.force_login(SocialWorkerFactory())
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_healthz_tells_anonymous_callers_only_up_or_down(client, settings):
    from tests.factories import AdministratorFactory, SocialWorkerFactory

    assert client.get("/healthz").json() == {"status": "up"}
    client.force_login(SocialWorkerFactory())
    assert client.get("/healthz").json() == {"status": "up"}  # signed in, but not staff
    client.force_login(AdministratorFactory())
    details = client.get("/healthz").json()
    assert details["database"] == "ok" and "broker" in details and "oldest_overdue_timer" in details
    client.logout()
    settings.HEALTHZ_TOKEN = "probe-token-for-the-monitoring-system"
    assert client.get("/healthz", HTTP_X_HEALTHZ_TOKEN="wrong").json() == {"status": "up"}
    assert "database" in client.get("/healthz", HTTP_X_HEALTHZ_TOKEN=settings.HEALTHZ_TOKEN).json()


# --- API tokens: stored hashed, with an expiry, for integration accounts only -------------------------
NOT_INTEGRATION = ["OfficerFactory", "SocialWorkerFactory", "SupervisorFactory", "AdministratorFactory"]
REFUSED = (401, 403)  # not authenticated (DRF answers 403 when session authentication comes first)


def _api(token):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _dispatch():
    from accounts.models import User
    from tests.factories import UserFactory

    return UserFactory(role=User.Role.INTEGRATION, organization=None)


@pytest.mark.django_db
def test_api_tokens_are_stored_hashed_with_an_expiry(settings):
    from knox.models import AuthToken

    from accounts import services as account_services

    dispatch = _dispatch()
    token = account_services.mint_api_token(user=dispatch)
    row = AuthToken.objects.get(user=dispatch)
    assert token != row.digest and token not in row.digest  # only a hash is stored
    assert row.expiry is not None
    assert timezone.now() < row.expiry <= timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)
    assert _api(token).get("/api/referrals/").status_code == 200
    assert _api(token[:-1] + ("A" if token[-1] != "A" else "B")).get("/api/referrals/").status_code in REFUSED
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS  # no tokens kept in clear


@pytest.mark.django_db
def test_an_expired_token_is_refused():
    from knox.models import AuthToken

    from accounts import services as account_services

    dispatch = _dispatch()
    token = account_services.mint_api_token(user=dispatch)
    AuthToken.objects.filter(user=dispatch).update(expiry=timezone.now() - timedelta(seconds=1))
    assert _api(token).get("/api/referrals/").status_code in REFUSED


@pytest.mark.django_db
@pytest.mark.parametrize("factory", NOT_INTEGRATION)
def test_tokens_are_minted_only_for_integration_accounts(factory):
    from django.core.exceptions import PermissionDenied
    from django.core.management import CommandError, call_command
    from knox.models import AuthToken

    from accounts import services as account_services
    from tests import factories

    user = getattr(factories, factory)()
    with pytest.raises(PermissionDenied):
        account_services.mint_api_token(user=user)
    with pytest.raises(CommandError):
        call_command("mint_api_token", user.username, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_a_token_stops_working_when_its_account_is_no_longer_an_integration_account():
    from accounts import services as account_services
    from accounts.models import User

    dispatch = _dispatch()
    token = account_services.mint_api_token(user=dispatch)
    User.objects.filter(pk=dispatch.pk).update(role=User.Role.OFFICER)
    assert _api(token).get("/api/referrals/").status_code in REFUSED


@pytest.mark.django_db
def test_mint_api_token_prints_the_token_once():
    import io

    from django.core.management import call_command

    dispatch = _dispatch()
    out = io.StringIO()
    call_command("mint_api_token", dispatch.username, "--days", "30", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    assert _api(token).get("/api/referrals/").status_code == 200


@pytest.mark.django_db
def test_the_admin_mints_tokens_only_for_integration_accounts(client):
    from knox.models import AuthToken

    from tests.factories import AdministratorFactory, OfficerFactory

    client.force_login(AdministratorFactory())
    dispatch, officer = _dispatch(), OfficerFactory()
    url = reverse("admin:knox_authtoken_add")
    refused = client.post(url, {"user": officer.pk, "days": 30})
    assert refused.status_code == 200 and not AuthToken.objects.exists()
    assert client.post(url, {"user": dispatch.pk, "days": 30}).status_code == 302
    row = AuthToken.objects.get()
    assert row.user == dispatch and row.expiry is not None
