import pytest
from django.urls import reverse

from tests.factories import SocialWorkerFactory

pytestmark = pytest.mark.django_db


def test_default_language_is_traditional_chinese(client):
    response = client.get(reverse("login"))
    html = response.content.decode()
    assert 'lang="zh-Hant"' in html
    assert "登入" in html


def test_switch_to_english_and_back(client):
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    html = client.get(reverse("login")).content.decode()
    assert 'lang="en"' in html and "Sign in" in html
    client.post(reverse("set_language"), {"language": "zh-hant", "next": reverse("login")})
    assert "登入" in client.get(reverse("login")).content.decode()


def test_switch_is_remembered_on_the_user_and_used_at_next_sign_in(client, password):
    user = SocialWorkerFactory(language="zh-hant")
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.logout()
    other = client.__class__()
    other.post(reverse("login"), {"username": user.username, "password": password})
    assert 'lang="en"' in other.get(reverse("home")).content.decode()


def test_unknown_language_and_offsite_next_are_ignored(client):
    r = client.post(reverse("set_language"), {"language": "xx", "next": "https://evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"


def test_times_shown_in_the_organisation_time_zone(client):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from tests.factories import NotificationFactory

    user = SocialWorkerFactory()
    NotificationFactory(recipient=user, created_at=datetime(2026, 11, 20, 15, 30, tzinfo=ZoneInfo("UTC")))
    client.force_login(user)
    html = client.get(reverse("notifications")).content.decode()
    assert "2026-11-20T23:30:00+08:00" in html
