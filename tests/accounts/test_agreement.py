"""Users accept their agency's information-sharing agreement before they go on; a new version asks again."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from accounts.models import AccessLog, Agreement, AgreementAcceptance, User
from tests import factories as f

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def _agreement(org, version="1", **kw):
    return Agreement.objects.create(
        organization=org, title="Sharing case information", version=version, text="Terms", **kw
    )


def test_worker_must_accept_the_agencys_agreement_and_is_sent_back_where_they_were(client):
    worker = f.SocialWorkerFactory()
    agreement = _agreement(worker.organization.parent)
    client.force_login(worker)

    response = client.get("/referrals/queue/?level=1")
    assert response.status_code == 302
    assert response.url.startswith(reverse("agreement")) and "next=%2Freferrals%2Fqueue%2F%3Flevel%3D1" in response.url
    assert client.get(response.url).status_code == 200

    refused = client.post(reverse("agreement"), {"next": "/referrals/queue/"})
    assert refused.status_code == 200 and not AgreementAcceptance.objects.exists()

    accepted = client.post(reverse("agreement"), {"accept": "yes", "next": "/referrals/queue/?level=1"})
    assert accepted.status_code == 302 and accepted.url == "/referrals/queue/?level=1"
    acceptance = AgreementAcceptance.objects.get()
    assert (acceptance.user, acceptance.agreement) == (worker, agreement)
    assert AccessLog.objects.filter(user=worker, object_type="accounts.agreement", object_id=str(agreement.pk)).exists()
    assert client.get("/referrals/queue/").status_code == 200


def test_a_new_version_asks_again_and_other_agencies_are_not_affected(client):
    worker = f.SocialWorkerFactory()
    elsewhere = f.SocialWorkerFactory()
    first = _agreement(worker.organization.parent)
    AgreementAcceptance.objects.create(agreement=first, user=worker)
    client.force_login(worker)
    assert client.get("/").status_code == 200

    _agreement(worker.organization.parent, version="2")
    assert client.get("/").status_code == 302
    client.force_login(elsewhere)
    assert client.get("/").status_code == 200


def test_api_answers_403_until_accepted_but_the_dispatch_account_is_not_asked(client):
    worker = f.SocialWorkerFactory()
    _agreement(None)
    client.force_login(worker)
    response = client.get("/api/referrals/")
    assert response.status_code == 403 and "/accounts/agreement/" in response.json()["detail"]

    integration = f.UserFactory(role=User.Role.INTEGRATION, organization=None)
    client.force_login(integration)
    assert client.get("/api/referrals/").status_code == 200


def test_the_open_redirect_is_closed(client):
    worker = f.SocialWorkerFactory()
    _agreement(worker.organization)
    client.force_login(worker)
    response = client.post(reverse("agreement"), {"accept": "yes", "next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == "/"


def test_an_accepted_version_cannot_be_rewritten_in_the_admin(client):
    worker = f.SocialWorkerFactory()
    agreement = _agreement(worker.organization)
    AgreementAcceptance.objects.create(agreement=agreement, user=worker)
    admin = f.AdministratorFactory()
    client.force_login(admin)
    url = reverse("admin:accounts_agreement_change", args=[agreement.pk])
    client.post(url, {"title": "Changed", "version": "1", "text": "Other terms", "effective_from_0": "2026-01-01"})
    agreement.refresh_from_db()
    assert agreement.text == "Terms"
    assert (
        client.post(reverse("admin:accounts_agreement_delete", args=[agreement.pk]), {"post": "yes"}).status_code == 403
    )
    assert Agreement.objects.filter(pk=agreement.pk).exists()
