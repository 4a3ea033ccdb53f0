"""The supervisor's dashboard read with known data: each figure as a supervisor would count it by hand.

Level-2 referrals (acknowledge within 24 hours, day and night) filed at fixed times; today is
Friday 20 March 2026, 12:00 in Taipei, and the supervisor asks for March 2026.
"""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import translation

from dashboards import selectors
from referrals import services
from tests.world import build_world, file_referral, step

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:dashboard")
TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=TAIPEI)
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}


def at(day, hour, minute=0, month=3):
    return datetime(2026, month, day, hour, minute, tzinfo=TAIPEI)


def file_at(world, when, **fields):
    with time_machine.travel(when, tick=False):
        return file_referral(world, **fields)


@pytest.fixture
def march(db):
    """Eight referrals around March; the comment on each says how the supervisor counts it."""
    world = build_world()
    w = world.worker
    # A: acknowledged after 2 hours, then accepted and first contact 5 hours after filing -> on time.
    a = file_at(world, at(2, 10))
    step(at(2, 12), services.acknowledge_referral, w, a)
    step(at(2, 13), services.accept_referral, w, a)
    step(at(2, 15), services.record_first_contact, w, a, at=at(2, 15))
    # B: acknowledged after 28 hours -> late.
    b = file_at(world, at(3, 10))
    step(at(4, 14), services.acknowledge_referral, w, b)
    # C: never acknowledged, its deadline (4 March 10:00) long past -> late, and still unacknowledged.
    file_at(world, at(4, 10))
    # D: declined an hour after filing, without acknowledging -> answered on time.
    d = file_at(world, at(5, 10))
    step(at(5, 11), services.decline_referral, world.supervisor, d, "outside_area")
    # E: cancelled by the police an hour after filing, before anyone answered -> withdrawn, not counted.
    e = file_at(world, at(6, 10))
    step(at(6, 11), services.cancel_referral, world.officer, e, "filed twice")
    # F: filed in February, due 1 March 18:00, acknowledged at 20:00 -> late; counts in March.
    f = file_at(world, at(28, 18, month=2))
    step(at(1, 20), services.acknowledge_referral, w, f)
    # G: acknowledged in an hour by team 1, transferred next day to team 2 (new deadline 9 March
    # 10:00), never acknowledged there -> late, and still unacknowledged.
    g = file_at(world, at(7, 10))
    step(at(7, 11), services.acknowledge_referral, w, g)
    step(at(8, 10), services.transfer_referral, w, g, world.a.t2, "Closer to the family's home.")
    # H: filed yesterday 14:00, due today 14:00, not yet due -> not counted yet.
    file_at(world, at(19, 14))
    # Another district's late referral: never counted by this supervisor.
    other = services.submit_referral
    with time_machine.travel(at(10, 10), tick=False):
        other(
            actor=world.officer_other,
            persons=[({"name": "Wang Bo"}, "subject")],
            category="elderly",
            level=2,
            narrative="x",
            incident_at=at(10, 9),
        )
    return world


def dashboard(client, user, status=200, **params):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        response = client.get(URL, {**MARCH, **params}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == status
    return response


def kpi(html, testid):
    match = re.search(rf'data-testid="{testid}">([^<]*)<', html)
    return match.group(1).strip()


def test_acknowledged_on_time_counts_every_referral_due_in_the_period(march, client):
    html = dashboard(client, march.supervisor).content.decode()
    # Due in March and past: A, B, C, D, F, G = 6 (E withdrawn, H not yet due). On time: A and D.
    assert kpi(html, "kpi-on-time") == "33.3%"
    assert kpi(html, "kpi-on-time-count") == "(2 of 6)"
    # Still waiting for acknowledgement, past their deadline: C, and G in its new team.
    assert kpi(html, "kpi-unacknowledged") == "2"


def test_acknowledgement_figures_as_numbers(march, client):
    figures = dashboard(client, march.supervisor).context["referrals"]
    assert figures["acknowledgement"] == {
        "due": 6,
        "on_time": 2,
        "late": 4,
        "unacknowledged": 2,
        "on_time_pct": 33.3,
    }
    # Filed in March (A, B, C, D, E, G, H): C, G and H wait now; C and G are past their deadline.
    assert figures["totals"]["total"] == 7
    assert figures["totals"]["overdue"] == 2


def test_a_period_with_nothing_due_shows_a_dash_not_zero(march, client):
    html = dashboard(client, march.supervisor, start="2026-01-01", end="2026-01-31").content.decode()
    assert kpi(html, "kpi-on-time") == "—"
    assert kpi(html, "kpi-unacknowledged") == "0"


def test_medians_and_90th_percentiles_on_every_database(march, client):
    """Filed in March and acknowledged: A after 2 h, B after 28 h, G after 1 h (by its first team)."""
    html = dashboard(client, march.supervisor).content.decode()
    assert kpi(html, "ack-median") == "2 h 00 min"
    # 90th percentile, interpolated: 2 h + 0.8 × (28 h − 2 h) = 22 h 48 min.
    assert kpi(html, "ack-p90") == "22 h 48 min"
    assert kpi(html, "contact-median") == kpi(html, "contact-p90") == "5 h 00 min"
    assert "computed on PostgreSQL" not in html


def test_percentile_in_python_matches_percentile_cont():
    hours = [timedelta(hours=h) for h in (28, 1, 2)]
    assert selectors.percentile(hours, 0.5) == timedelta(hours=2)
    assert selectors.percentile(hours, 0.9) == timedelta(hours=22, minutes=48)
    assert selectors.percentile([timedelta(hours=3)], 0.9) == timedelta(hours=3)
    assert selectors.percentile([], 0.5) is None


def test_every_figure_has_a_definition_on_hover_and_in_print(march, client):
    html = dashboard(client, march.administrator).content.decode()
    # Every key figure, in a tile or in a section's list, sits in an item with its hover text...
    items = re.findall(r'<li\b[^>]*\btitle="([^"]+)"[^>]*>(.*?)</li>', html, re.S)
    figures = [
        (title, testid)
        for title, body in items
        for testid in re.findall(r'class="kpi" data-testid="(kpi-[a-z-]+)"', body)
    ]
    shown = set(re.findall(r'class="kpi" data-testid="(kpi-[a-z-]+)"', html))
    assert shown and {testid for _, testid in figures} == shown
    assert {"kpi-total", "kpi-on-time", "kpi-overdue", "kpi-major", "kpi-poc-overdue"} <= shown
    for title, body in items:
        assert f'<span class="definition">{title}</span>' in body  # ...and the same words for print
    tables = re.findall(r'data-testid="table-([a-z]+)"><caption title="([^"]+)"', html)
    assert {key for key, _ in tables} == set(re.findall(r'data-testid="table-([a-z]+)"', html))
    assert html.count('<tr title="') == 2  # the two timing rows
    css = Path(finders.find("dashboards/dashboard.css")).read_text()
    assert re.search(r"@media print \{\s*\.definition \{ position: static;", css)


def test_the_on_time_definition_says_how_it_is_counted():
    with translation.override("en"):
        text = str(selectors.DEFINITIONS["on_time"])
    assert "deadline passed in the period" in text and "Never answered counts as late" in text


# --- the district filter -----------------------------------------------------------------------
def district_choices(html):
    select = re.search(r'<select name="district".*?</select>', html, re.S).group(0)
    return set(re.findall(r'<option value="(\d+)"', select))


def test_the_district_filter_lists_only_districts_within_reach(march, client):
    html = dashboard(client, march.supervisor).content.decode()
    assert district_choices(html) == {str(march.a.district.pk)}
    html = dashboard(client, march.station_head).content.decode()
    assert district_choices(html) == {str(march.a.district.pk)}
    html = dashboard(client, march.administrator).content.decode()
    assert district_choices(html) == {str(march.a.district.pk), str(march.b.district.pk)}


def test_a_district_outside_reach_answers_like_a_missing_one(march, client):
    def figures(district, status=400):
        response = dashboard(client, march.supervisor, status=status, district=district)
        return response.context["referrals"], response.context["form"].errors.get("district")

    mine, no_error = figures(march.a.district.pk, status=200)
    assert mine["totals"]["total"] == 7 and no_error is None
    # A district outside reach is a field error (400), exactly as one that does not exist.
    outside, outside_error = figures(march.b.district.pk)
    missing, missing_error = figures(999_999)
    assert outside_error == missing_error and outside_error
    for answer in (outside, missing):
        assert answer["totals"]["total"] == 0  # no data, neither from district B nor from the own one
        assert answer["acknowledgement"]["due"] == 0
    # The same for an export: a field error, never the unfiltered table.
    client.force_login(march.supervisor)
    with time_machine.travel(NOW, tick=False):
        csv = client.get(URL, {**MARCH, "district": march.b.district.pk, "export": "teams", "format": "csv"})
    assert csv.status_code == 400 and march.a.t1.name not in csv.content.decode("utf-8-sig")
