import pytest
from django.urls import reverse

from accounts.models import Organization
from tests.factories import NotificationFactory, SocialWorkerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    owner = SocialWorkerFactory()
    outsider = SocialWorkerFactory()
    return owner, outsider, NotificationFactory(recipient=owner, url="/accounts/notifications/")


def test_owner_opens_own_notification(client, cast):
    owner, _, note = cast
    client.force_login(owner)
    r = client.post(reverse("notification_open", args=[note.pk]))
    assert r.status_code == 302
    note.refresh_from_db()
    assert note.read_at is not None


def test_outsider_gets_404_in_html(client, cast):
    _, outsider, note = cast
    client.force_login(outsider)
    assert client.post(reverse("notification_open", args=[note.pk])).status_code == 404
    note.refresh_from_db()
    assert note.read_at is None


def test_outsider_gets_404_in_api(client, cast):
    _, outsider, note = cast
    client.force_login(outsider)
    assert client.get(f"/api/notifications/{note.pk}/").status_code == 404
    assert client.post(f"/api/notifications/{note.pk}/read/").status_code == 404
    listing = client.get("/api/notifications/").json()
    assert listing["results"] == []


def test_api_lists_own_notifications(client, cast):
    owner, _, note = cast
    client.force_login(owner)
    data = client.get("/api/notifications/").json()
    assert [n["id"] for n in data["results"]] == [note.pk]
    assert client.get(f"/api/notifications/{note.pk}/").json()["title"] == note.title


def test_malformed_id_is_404_not_500(client, cast):
    _, outsider, _ = cast
    client.force_login(outsider)
    assert client.get("/api/notifications/abc/").status_code == 404


def test_anonymous_api_is_refused(client, cast):
    assert client.get("/api/notifications/").status_code in (401, 403)


def test_unread_count_in_header(client, cast):
    owner, _, _ = cast
    NotificationFactory(recipient=owner)
    client.force_login(owner)
    html = client.get(reverse("home")).content.decode()
    assert 'class="badge"' in html and ">2<" in html


def test_organisation_subtree_follows_moves():
    from tests.factories import AgencyFactory, TeamFactory

    a, b = AgencyFactory(), AgencyFactory()
    team = TeamFactory(parent=a)
    assert team in Organization.objects.subtree_of(a)
    team.parent = b
    team.save()
    assert team not in Organization.objects.subtree_of(a)
    assert team in Organization.objects.subtree_of(b)
