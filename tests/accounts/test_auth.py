import pytest
from django.urls import reverse

from tests.factories import OfficerFactory, SocialWorkerFactory

pytestmark = pytest.mark.django_db


def attempt(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_and_logout(client, password):
    user = OfficerFactory()
    response = attempt(client, user.username, password)
    assert response.status_code == 302
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert user.username in home.content.decode() or str(user) in home.content.decode()
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_five_failures_lock_the_user_from_that_address(client, password):
    user = OfficerFactory()
    for _ in range(4):
        r = attempt(client, user.username, "wrong-password")
        assert r.status_code == 200
        assert "form-errors" in r.content.decode()
    assert attempt(client, user.username, "wrong-password").status_code == 429  # the fifth failure locks
    locked = attempt(client, user.username, password)
    assert locked.status_code == 429
    assert "5" in locked.content.decode()
    assert not client.session.get("_auth_user_id")


def test_lockout_does_not_spread_to_colleagues_behind_the_same_address(client, password):
    user, colleague = OfficerFactory(), OfficerFactory()
    for _ in range(5):
        attempt(client, user.username, "wrong-password", ip="203.0.113.9")
    assert attempt(client, colleague.username, password, ip="203.0.113.9").status_code == 302


def test_lockout_is_per_address(client, password):
    user = OfficerFactory()
    for _ in range(5):
        attempt(client, user.username, "wrong-password", ip="198.51.100.1")
    assert attempt(client, user.username, password, ip="198.51.100.2").status_code == 302


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "", "password": ""},
        {"username": "x" * 5000, "password": "y"},
        {"username": "someone", "password": "p" * 10000},
        {"username": "\x00", "password": "\x00"},
        {"username": ["a", "b"], "password": 12},
    ],
)
def test_bad_login_input_gives_form_errors_not_500(client, data):
    response = client.post(reverse("login"), data)
    assert response.status_code in (200, 429)
    assert "<form" in response.content.decode()


def test_password_change(client, password):
    user = SocialWorkerFactory()
    client.force_login(user)
    r = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "short", "new_password2": "short"},
    )
    assert r.status_code == 200 and "error" in r.content.decode()
    r = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "A-much-better-pass-42", "new_password2": "A-much-better-pass-42"},
    )
    assert r.status_code == 302
    user.refresh_from_db()
    assert user.check_password("A-much-better-pass-42")


def test_password_reset_sends_an_email(client, mailoutbox):
    user = SocialWorkerFactory()
    r = client.post(reverse("password_reset"), {"email": user.email})
    assert r.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body


def test_idle_session_times_out(client, settings):
    user = SocialWorkerFactory()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["session_last_seen_at"] = session["session_last_seen_at"] - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(reverse("home")).status_code == 302


def test_absolute_session_lifetime(client, settings):
    user = SocialWorkerFactory()
    client.force_login(user)
    client.get(reverse("home"))
    session = client.session
    session["session_started_at"] = session["session_started_at"] - settings.SESSION_ABSOLUTE_TIMEOUT - 5
    session.save()
    assert client.get(reverse("home")).status_code == 302


def test_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"


# --- behind the TLS proxy: every request comes from the proxy's address -------------------------------
PROXY = "10.0.0.2"


def attempt_via_proxy(client, username, password, forwarded_for):
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.fixture
def behind_proxy(settings):
    settings.PROXY_COUNT = 1  # BEHIND_TLS_PROXY=true: one reverse proxy appends the client's address


def test_behind_the_proxy_one_client_locking_itself_out_does_not_lock_another(client, password, behind_proxy):
    from django.test import Client

    user = OfficerFactory()
    for _ in range(5):
        attempt_via_proxy(client, user.username, "wrong-password", "203.0.113.5")
    assert attempt_via_proxy(client, user.username, password, "203.0.113.5").status_code == 429
    other = Client()
    assert attempt_via_proxy(other, user.username, password, "198.51.100.7").status_code == 302


def test_behind_the_proxy_a_forged_forwarded_for_cannot_lock_out_someone_else(client, password, behind_proxy):
    from django.test import Client

    user = OfficerFactory()
    # The attacker at 198.51.100.66 claims the officer's address; the proxy appends the real one.
    for _ in range(5):
        attempt_via_proxy(client, user.username, "wrong-password", "203.0.113.5, 198.51.100.66")
    assert attempt_via_proxy(Client(), user.username, password, "203.0.113.5").status_code == 302


def test_the_access_log_records_the_client_address_not_the_proxy(client, behind_proxy):
    from accounts.access_log import client_ip, log_access
    from accounts.models import AccessLog

    request = client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5").wsgi_request
    request.user = SocialWorkerFactory()
    assert client_ip(request) == "203.0.113.5"
    entry = log_access(request, object_type="referral", object_id="1")
    assert AccessLog.objects.get(pk=entry.pk).ip_address == "203.0.113.5"


def test_without_a_proxy_forwarded_for_is_ignored(client, password):
    user = OfficerFactory()
    for _ in range(5):
        client.post(
            reverse("login"),
            {"username": user.username, "password": "wrong"},
            REMOTE_ADDR="198.51.100.9",
            HTTP_X_FORWARDED_FOR="203.0.113.77",
        )
    locked = client.post(
        reverse("login"), {"username": user.username, "password": password}, REMOTE_ADDR="198.51.100.9"
    )
    assert locked.status_code == 429  # a client cannot dodge the lockout by sending a header
