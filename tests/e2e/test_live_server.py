"""The live server under a browser's parallel requests: every answer comes, none freezes the run.

A dashboard page loads its three chart images at once. On the embedded SQLite the test database
used to live in memory, one connection shared by every request thread, and parallel chart
requests froze the whole test process (see django_db_modify_db_settings in tests/conftest.py).
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Referral
from tests import factories as f
from tests.referrals.factories import StationTeamMatchFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PARALLEL, ROUNDS = 6, 10


def test_the_test_database_is_never_one_shared_connection():
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db()


def test_parallel_chart_requests_all_answer(open_page):
    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    officer = f.OfficerFactory(organization=station)
    first = services.submit_referral(
        actor=officer,
        persons=[({"name": "P"}, "subject")],
        level=3,
        category="elderly",
        narrative="x",
        incident_at=timezone.now(),
    )
    # Many rows, so every chart query calls SQLite's Python functions (date truncation) many times.
    Referral.objects.bulk_create(
        [
            Referral(
                reference=f"R-2026-{700000 + n}",
                category="elderly",
                level=1 + n % 3,
                incident_at=timezone.now(),
                narrative="bulk",
                created_by=officer,
                referring_officer=officer,
                referring_station=station,
                district=station.district,
                team=team,
                filed_at=timezone.now() - timedelta(days=n),
                ack_due_at=first.ack_due_at,
            )
            for n in range(60)
        ]
    )
    page = open_page(f.SupervisorFactory(organization=agency), "en")
    page.goto(page.base_url + reverse("dashboards:dashboard"))
    charts = [page.base_url + reverse("dashboards:chart", args=[name]) for name in ("weekly", "open", "hazards")]
    charts = (charts * PARALLEL)[:PARALLEL]
    statuses = page.evaluate(
        """async ([urls, rounds]) => {
            const get = (url) => fetch(url, {signal: AbortSignal.timeout(20000)}).then((r) => r.status, () => 0);
            const statuses = [];
            for (let round = 0; round < rounds; round++) statuses.push(...(await Promise.all(urls.map(get))));
            return statuses;
        }""",
        [charts, ROUNDS],
    )
    assert statuses == [200] * (PARALLEL * ROUNDS)
