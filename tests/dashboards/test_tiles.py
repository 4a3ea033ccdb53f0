"""The dashboard's tiles: each compares with the previous period of equal length, rates itself
against its target in words and colour, and opens the referral list that counts the same rows.

Level-2 referrals (acknowledge within 24 hours); today is Friday 20 March 2026, 12:00 in Taipei.
The supervisor asks for March (31 days), so the previous period is 29 January to 28 February.
"""

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from dashboards import selectors, targets
from referrals import services
from tests.world import build_world, file_referral, step

pytestmark = pytest.mark.django_db
URL = reverse("dashboards:dashboard")
LIST = reverse("referrals:search")
TAIPEI = ZoneInfo("Asia/Taipei")
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=TAIPEI)
MARCH = {"start": "2026-03-01", "end": "2026-03-31"}
BEFORE_MARCH = {"start": "2026-01-29", "end": "2026-02-28"}


def at(month, day, hour=10):
    return datetime(2026, month, day, hour, tzinfo=TAIPEI)


def file_at(world, when, **fields):
    with time_machine.travel(when, tick=False):
        return file_referral(world, **fields)


@pytest.fixture
def months(db):
    """March: 3 referrals, 2 acknowledged on time, 1 never (late, overdue now).
    29 January - 28 February: 5 referrals, 4 on time, 1 never. 20 January: 1, outside both."""
    world = build_world()
    w = world.worker
    for day, answered in ((2, True), (3, False), (5, True)):
        r = file_at(world, at(3, day))
        if answered:
            step(at(3, day, 12), services.acknowledge_referral, w, r)
    for day, answered in ((2, True), (3, True), (10, True), (12, False), (15, True)):
        r = file_at(world, at(2, day))
        if answered:
            step(at(2, day, 11), services.acknowledge_referral, w, r)
    old = file_at(world, at(1, 20))
    step(at(1, 25), services.acknowledge_referral, w, old)
    # District B files one in March too: never counted for, nor listed to, the supervisor of district A.
    with time_machine.travel(at(3, 10), tick=False):
        services.submit_referral(
            actor=world.officer_other,
            persons=[({"name": "Wang Bo"}, "subject")],
            category="elderly",
            level=2,
            narrative="x",
            incident_at=at(3, 10, 9),
        )
    return world


def get(client, user, url, params=None):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False), translation.override("en"):
        response = client.get(url, params or {}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.content[:500]
    return response


def tiles(response):
    return {t.key: t for t in response.context["tiles"]}


def listed(client, user, url):
    """The count the referral list shows for a tile's link, read from the page."""
    html = get(client, user, url).content.decode()
    return int(re.search(r'data-testid="result-count" data-count="(\d+)"', html).group(1))


# --- change against the previous period ---------------------------------------------------------
def test_each_tile_compares_with_the_previous_period_of_equal_length(months, client):
    response = get(client, months.supervisor, URL, MARCH)
    t = tiles(response)
    assert (t["total"].value, t["total"].previous, t["total"].change) == (3, 5, -2)
    assert str(t["total"].change_text) == "down 2 vs previous period"
    # On time: 2 of 3 = 66.7% now, 4 of 5 = 80% before: 13.3 percentage points down.
    assert (t["on_time"].value, t["on_time"].previous, t["on_time"].change) == (66.7, 80.0, -13.3)
    assert t["on_time"].change_text == "down 13.3 pp vs previous period"
    assert (t["overdue_now"].value, t["overdue_now"].change) == (1, 0)
    assert t["overdue_now"].change_text == "same as previous period"
    html = response.content.decode()
    change = re.search(r'data-testid="change-total">(.*?)</span>\s*<', html, re.S).group(1)
    assert "▼" in change and "down 2 vs previous period" in change
    assert response.context["previous_start"].date().isoformat() == BEFORE_MARCH["start"]


def test_the_previous_figure_is_the_dashboard_of_the_previous_period(months, client):
    now = tiles(get(client, months.supervisor, URL, MARCH))
    before = tiles(get(client, months.supervisor, URL, BEFORE_MARCH))
    for key in ("total", "on_time", "overdue_now", "unacknowledged", "unassigned", "major", "safety_alerts"):
        assert now[key].previous == before[key].value, key
    # The previous period of 29 January - 28 February starts on 29 December: only the 20 January one.
    assert before["total"].previous == 1 and before["total"].change_text == "up 4 vs previous period"


@pytest.mark.parametrize("who", ["supervisor", "station_head", "administrator"])
def test_the_period_and_the_previous_one_are_counted_alike(months, client, who):
    """The page reads its own period's tiles from the sections' figures and counts the previous
    period with headline_figures: asked for the same period, both give the same numbers."""
    user = getattr(months, who)
    response = get(client, user, URL, MARCH)
    start, end = datetime(2026, 3, 1, tzinfo=TAIPEI), datetime(2026, 4, 1, tzinfo=TAIPEI)
    show = {"show_social": response.context["show_social"], "show_police": response.context["show_police"]}
    with time_machine.travel(NOW, tick=False):
        counted = selectors.headline_figures(selectors.querysets_for(user, start, end, {}), **show)
    assert counted == selectors.headline_from(response.context)
    assert counted["total"] == (4 if who == "administrator" else 3)


def test_a_figure_of_today_has_no_previous_period(months, client):
    t = tiles(get(client, months.station_head, URL, MARCH))
    assert t["persons_overdue"].change is None
    assert t["persons_overdue"].change_text == "as of today"
    assert "unassigned" not in t and "major" not in t  # police supervisors never see worker safety


def test_nothing_due_in_either_period_shows_a_dash_and_no_comparison(months, client):
    t = tiles(get(client, months.supervisor, URL, {"start": "2025-06-01", "end": "2025-06-30"}))
    assert t["on_time"].display == "—" and t["on_time"].change is None
    assert t["on_time"].change_text == "no figure for the previous period"
    assert t["on_time"].status is None


# --- targets ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "key, value, rating",
    [
        ("on_time", 90, "green"),
        ("on_time", 89.9, "amber"),
        ("on_time", 75, "amber"),
        ("on_time", 74.9, "red"),
        ("on_time", None, None),
        ("overdue_now", 0, "green"),
        ("overdue_now", 1, "amber"),
        ("overdue_now", 5, "amber"),
        ("overdue_now", 6, "red"),
        ("major", 1, "amber"),
        ("major", 2, "red"),
        ("total", 500, None),  # volume has no target
    ],
)
def test_target_colours_follow_the_thresholds(key, value, rating):
    assert targets.rating(key, value) == rating


def test_settings_override_a_target(settings):
    settings.DASHBOARD_TARGETS = {"on_time": {"green": 95}, "overdue_now": {"amber": 0}}
    assert targets.rating("on_time", 92) == "amber"
    assert targets.rating("overdue_now", 1) == "red"
    assert targets.target_text("on_time", "%") == "≥ 95%"
    assert targets.rating("unacknowledged", 3) == "amber"  # the others keep their defaults


def test_a_tile_says_how_it_stands_in_words_not_only_colour(months, client):
    html = get(client, months.supervisor, URL, MARCH).content.decode()
    # 66.7% on time: below 75%, red; one overdue: amber.
    on_time = re.search(r'<li class="tile rating-red"[^>]*data-testid="tile-on_time">.*?</li>', html, re.S).group(0)
    assert 'data-rating="red"' in on_time and "off target · target ≥ 90%" in on_time
    overdue = re.search(r'<li class="tile rating-amber"[^>]*data-testid="tile-overdue_now">.*?</li>', html, re.S)
    assert "near target · target ≤ 0" in overdue.group(0)


# --- drill-down ---------------------------------------------------------------------------------
def test_drill_down_links_carry_the_period_the_scope_and_the_condition(months, client):
    params = {**MARCH, "district": months.a.district.pk, "team": months.a.t1.pk, "category": "family_conflict"}
    t = tiles(get(client, months.supervisor, URL, params))
    query = parse_qs(urlsplit(t["overdue_now"].url).query)
    assert urlsplit(t["overdue_now"].url).path == LIST
    assert query == {
        "filed_from": ["2026-03-01"],
        "filed_to": ["2026-03-31"],
        "district": [str(months.a.district.pk)],
        "team": [str(months.a.t1.pk)],
        "category": ["family_conflict"],
        "condition": ["overdue"],
    }
    late = parse_qs(urlsplit(t["on_time"].url).query)
    assert late["due_from"] == ["2026-03-01"] and late["due_to"] == ["2026-03-31"] and late["condition"] == ["late"]
    assert t["major"].url == ""  # hazard events have no filtered list: no link rather than a wrong one


@pytest.mark.parametrize(
    "params",
    [
        MARCH,
        BEFORE_MARCH,
        {"start": "2026-02-10", "end": "2026-03-04"},
        {**MARCH, "district": "A"},
        {**MARCH, "team": "t1", "category": "family_conflict"},
    ],
    ids=["march", "before-march", "across-months", "district", "team-and-category"],
)
def test_the_list_behind_each_referral_tile_counts_what_the_tile_shows(months, client, params):
    params = dict(params)
    if params.get("district") == "A":
        params["district"] = months.a.district.pk
    if params.get("team") == "t1":
        params["team"] = months.a.t1.pk
    for user in (months.supervisor, months.administrator):
        t = tiles(get(client, user, URL, params))
        referral_tiles = [tile for tile in t.values() if tile.url]
        assert {tile.key for tile in referral_tiles} == {
            "total",
            "on_time",
            "overdue_now",
            "unacknowledged",
            "unassigned",
        }
        for tile in referral_tiles:
            expected = tile.list_count if tile.list_count is not None else tile.value
            assert listed(client, user, tile.url) == expected, (user, tile.key)
    assert tiles(get(client, months.supervisor, URL, MARCH))["total"].value == 3
    assert tiles(get(client, months.administrator, URL, MARCH))["total"].value == 4  # with district B's


def test_the_chart_links_open_the_same_referrals(months, client):
    response = get(client, months.supervisor, URL, MARCH)
    assert listed(client, months.supervisor, response.context["drill_filed"]) == 3
    open_now = sum(v for k, v in response.context["referrals"]["totals"].items() if k.startswith("open_"))
    assert listed(client, months.supervisor, response.context["drill_open"]) == open_now


def test_a_supervisor_cannot_list_another_districts_referrals_through_the_link(months, client):
    sup = months.supervisor
    base = {"filed_from": "2026-03-01", "filed_to": "2026-03-31"}
    assert listed(client, sup, f"{LIST}?filed_from=2026-03-01&filed_to=2026-03-31") == 3  # never B's
    for scope in ({"district": months.b.district.pk}, {"team": months.b.t1.pk}, {"station": months.b.s1.pk}):
        response = get(client, sup, LIST, {**base, **scope})
        assert response.context["page"].paginator.count == 0, scope
        assert response.context["filters"].errors  # outside reach reads as an unknown choice
    # The administrator, asking the same, sees district B's one.
    assert (
        get(client, months.administrator, LIST, {**base, "district": months.b.district.pk})
        .context["page"]
        .paginator.count
        == 1
    )


def test_the_list_shows_its_count_and_an_empty_list_page_stays_empty(months, client):
    html = get(client, months.supervisor, LIST, {"filed_from": "2026-03-01", "filed_to": "2026-03-31"}).content
    assert re.search(rb'data-testid="result-count" data-count="3">\s*3 referrals', html)
    assert get(client, months.supervisor, LIST).context["page"] is None  # no search and no filter: nothing listed


# --- print ------------------------------------------------------------------------------------
def test_the_print_stylesheet_makes_an_a4_report_with_the_tables_unfolded(months, client):
    css = Path(finders.find("dashboards/dashboard.css")).read_text()
    assert re.search(r"@page \{ size: A4;", css)
    rules = css[css.index("@media print") :]
    assert re.search(r"details\.more::details-content \{ content-visibility: visible; display: block; \}", rules)
    assert re.search(r"\.no-print, [^{]*\.filters[^{]*\{ display: none !important; \}", rules)
    html = get(client, months.supervisor, URL, MARCH).content.decode()
    assert 'class="filters dash-filters no-print"' in html
    assert html.count('<details class="more') >= 10  # each table folded on screen, under its heading


# --- queries ------------------------------------------------------------------------------------
def test_the_previous_period_costs_a_fixed_number_of_queries(months, client):
    def queries():
        client.force_login(months.supervisor)
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
            assert client.get(URL, MARCH).status_code == 200
        return len(captured)

    queries()  # the first request of a session also writes the session
    before = queries()
    for day in range(1, 21):
        file_at(months, at(2, day, 9))
    assert queries() == before


def test_table_rows_escape_localise_and_say_when_empty():
    from datetime import date

    from django.utils import translation

    from dashboards.templatetags.dashboards import table_rows

    with translation.override("en"):
        html = table_rows([("<b>Station</b>", 1234, date(2026, 11, 2))], 3)
        assert html == '<tr><th scope="row">&lt;b&gt;Station&lt;/b&gt;</th><td>1234</td><td>Nov. 2, 2026</td></tr>'
        assert 'colspan="3"' in table_rows([], 3) and "Nothing in this period." in table_rows([], 3)
