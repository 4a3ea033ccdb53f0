"""Search: bounded matches, references past six digits, and common words narrowed by the others."""

import pytest
from django.urls import reverse

from accounts.models import AccessLog
from referrals import selectors, services
from referrals.models import Referral
from tests.referrals.conftest import referral_data

pytestmark = pytest.mark.django_db
SEARCH = reverse("referrals:search")


def _file(world, name, address):
    return services.submit_referral(
        actor=world.officer, persons=[({"name": name, "address": address}, "subject")], **referral_data()
    )


def _found(client, q):
    page = client.get(SEARCH, {"q": q}).context["page"]
    return {r.pk for r in page.object_list}


def test_a_reference_past_six_digits_is_found_by_its_exact_value(world, client):
    r = _file(world, "Chen Yi", "No. 5, Linsen N. Rd.")
    Referral.objects.filter(pk=r.pk).update(reference="R-2026-1000001")
    client.force_login(world.worker)
    assert _found(client, "r-2026-1000001") == {r.pk}
    assert _found(client, "R-2026-100000") == set()


@pytest.mark.parametrize("key_cap", [selectors.KEY_CAP, 1, 0])
def test_every_word_must_match_however_common_a_word_is(world, client, monkeypatch, key_cap):
    """With a cap of 1 "wang" is too common to gather and is checked on the referrals at the
    address; with 0 every word is, and the visible referrals are walked."""
    monkeypatch.setattr(selectors, "KEY_CAP", key_cap)
    at_100 = _file(world, "Wang Daming", "No. 100, Xinyi Rd.")
    _file(world, "Wang Xiaohua", "No. 7, Xinyi Rd.")
    _file(world, "Li Xiaohua", "No. 100, Xinyi Rd.")
    client.force_login(world.worker)
    assert _found(client, "Wang 100") == {at_100.pk}
    assert _found(client, "100 wang") == {at_100.pk}
    assert _found(client, "Wang 555") == set()
    assert len(_found(client, "Xinyi")) == 3


def test_more_matches_than_the_cap_are_listed_newest_first_and_said(world, client, monkeypatch):
    monkeypatch.setattr(selectors, "MATCH_CAP", 2)
    filed = [_file(world, f"Lin {n}", "No. 9, Songjiang Rd.") for n in range(3)]
    client.force_login(world.worker)
    response = client.get(SEARCH, {"q": "Songjiang"})
    assert {r.pk for r in response.context["page"].object_list} == {filed[2].pk, filed[1].pk}
    html = response.content.decode()
    assert 'data-count="2+"' in html and "More than 2 referrals match" in html
    assert AccessLog.objects.get(user=world.worker, action="search").detail.endswith("matches=2+")
    monkeypatch.setattr(selectors, "MATCH_CAP", 3)
    assert 'data-count="3"' in client.get(SEARCH, {"q": "Songjiang"}).content.decode()


def test_a_common_word_finds_only_what_the_viewer_may_see(world, client, monkeypatch):
    from tests import factories as f

    monkeypatch.setattr(selectors, "KEY_CAP", 0)
    _file(world, "Wang Daming", "No. 100, Xinyi Rd.")
    client.force_login(f.SocialWorkerFactory())
    assert _found(client, "Wang") == set() and _found(client, "Wang 100") == set()


def test_results_page_newest_first_and_filters_narrow_them(world, client, monkeypatch):
    from referrals.views import _base

    monkeypatch.setattr(_base, "PAGE_SIZE", 2)
    filed = [_file(world, f"Lin {n}", "No. 9, Songjiang Rd.") for n in range(3)]
    Referral.objects.filter(pk=filed[0].pk).update(category="elderly")
    client.force_login(world.worker)
    first = client.get(SEARCH, {"q": "Songjiang"}).context["page"]
    second = client.get(SEARCH, {"q": "Songjiang", "page": 2}).context["page"]
    assert [r.pk for r in first.object_list] == [filed[2].pk, filed[1].pk]
    assert [r.pk for r in second.object_list] == [filed[0].pk] and first.paginator.count == 3
    narrowed = client.get(SEARCH, {"q": "Songjiang", "category": "elderly"}).context["page"]
    assert [r.pk for r in narrowed.object_list] == [filed[0].pk]


def _statement_timeout():
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_a_walk_past_its_budget_says_the_search_is_too_broad(world, client, monkeypatch):
    """Words all too common (a cap of 0) are matched by walking the visible referrals, within a time
    budget; here each walk first sleeps past it."""
    from django.db import connection

    monkeypatch.setattr(selectors, "KEY_CAP", 0)
    _file(world, "Wang Daming", "No. 100, Xinyi Rd.")
    client.force_login(world.worker)
    before = _statement_timeout()
    assert _found(client, "Wang 100")  # within the budget: found, and the budget is lifted after
    assert _statement_timeout() == before

    walk = selectors._newest_first

    def slow(qs, condition):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(0.2)")
        return walk(qs, condition)

    monkeypatch.setattr(selectors, "_newest_first", slow)
    monkeypatch.setattr(selectors, "WALK_BUDGET_MS", 50)
    response = client.get(SEARCH, {"q": "Wang 100"})
    assert list(response.context["page"].object_list) == []
    assert 'data-testid="too-broad"' in response.content.decode()
    assert AccessLog.objects.filter(action="search").order_by("pk").last().detail.endswith("matches=too-broad")
    assert _statement_timeout() == before
