"""The dashboard's figures read from the summary equal the figures counted directly, on random data."""

import random
from datetime import datetime, time, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from dashboards import selectors
from dashboards.models import ReferralDailyFigures
from dashboards.summary import figures as summary
from dashboards.summary import refresh
from referrals.models import Category, DeclineReason, Referral, ReferralEvent, Status
from tests import factories as f
from tests.concurrency import run_concurrently
from tests.referrals.factories import HouseholdFactory, ReferralFactory

pytestmark = pytest.mark.django_db
Kind = ReferralEvent.Kind


def local(day, hour=0, minute=0):
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def world(db):
    d1, d2 = f.DistrictFactory(), f.DistrictFactory()
    a1, a2 = f.AgencyFactory(district=d1), f.AgencyFactory(district=d2)
    teams = [f.TeamFactory(parent=a1, district=d1), f.TeamFactory(parent=a1, district=d1)]
    teams.append(f.TeamFactory(parent=a2, district=d2))
    stations = [f.StationFactory(district=d1), f.StationFactory(district=d1), f.StationFactory(district=d2)]
    officers = [f.OfficerFactory(organization=s) for s in stations]
    workers = [f.SocialWorkerFactory(organization=t) for t in teams]
    households = [HouseholdFactory() for _ in range(6)]
    viewers = {
        "agency supervisor": f.SupervisorFactory(organization=a1),
        "team supervisor": f.SupervisorFactory(organization=teams[0]),
        "station supervisor": f.SupervisorFactory(organization=stations[2]),
        "coordinator": f.CoordinatorFactory(organization=stations[0]),
        "administrator": f.AdministratorFactory(),
    }
    return {"districts": (d1, d2), "teams": teams, "stations": stations, "officers": officers, "workers": workers,
            "households": households, "viewers": viewers}  # fmt: skip


def random_referral(rng, w, filed_at, now):
    i = rng.randrange(3)
    status = rng.choice(Status.values)
    team = rng.choice([*w["teams"], None]) if status == Status.SUBMITTED else rng.choice(w["teams"])
    worker = w["workers"][w["teams"].index(team)] if team else None
    due = rng.choice([filed_at + timedelta(hours=rng.choice((2, 20, 50))), now - timedelta(minutes=5), None])
    r = ReferralFactory(
        referring_officer=w["officers"][i],
        district=w["stations"][i].district,
        team=team,
        status=status,
        level=rng.choice((1, 2, 3)),
        category=rng.choice(Category.values[:4]),
        household=rng.choice([*w["households"], None]),
        after_hours=rng.random() < 0.3,
        needs_reassignment=rng.random() < 0.2,
        assigned_worker=worker if status in (Status.ACCEPTED, Status.IN_PROGRESS) or rng.random() < 0.3 else None,
        decline_reason=rng.choice(DeclineReason.values) if status == Status.DECLINED else "",
        outcome="got_help" if status == Status.CLOSED else "",
        ack_due_at=due,
    )
    Referral.objects.filter(pk=r.pk).update(filed_at=filed_at, updated_at=filed_at)
    for kind in rng.sample([Kind.ACKNOWLEDGED, Kind.DECLINED, Kind.CANCELLED, Kind.TRANSFERRED, Kind.REDIRECTED], 2):
        ReferralEvent.objects.create(referral=r, kind=kind, at=filed_at + timedelta(hours=rng.choice((1, 3, 30))))
    return r


def make_referrals(w, rng, start_day, end_day, n=90):
    """Random referrals around [start_day, end_day], with some at the local edges of the days."""
    now = timezone.now()
    edges = [local(start_day), local(start_day) - timedelta(minutes=30), local(end_day, 23, 30)]
    edges += [local(end_day + timedelta(days=1)), local(timezone.localdate(now), 0, 1)]
    for at in edges:
        random_referral(rng, w, at, now)
    span = (end_day - start_day).days + 20
    for _ in range(n):
        at = local(start_day - timedelta(days=10)) + timedelta(minutes=rng.randrange(span * 24 * 60))
        random_referral(rng, w, min(at, now - timedelta(minutes=1)), now)


def both_ways(user, start, end, filters, now, grouped=True):
    """The referral figures, caseload counts and previous period's headline: (direct, from summary)."""
    scope = {"show_social": True, "show_police": False, "now": now}
    qs = selectors.querysets_for(user, start, end, filters, now=now)
    before = (start - (end - start), start)
    direct = {
        "referrals": selectors.referral_figures(qs["referrals"], qs["due"], now=now),
        "caseload": selectors.caseload_figures(qs["referrals"], []) | {"workers": None},
        "previous": selectors.headline_figures(selectors.querysets_for(user, *before, filters, now=now), **scope),
    }
    visible = summary.visibility(user)
    rows = summary.rows_for(user, filters, visible)
    assert rows is not None
    qs = selectors.querysets_for(user, start, end, filters, now=now, visible=visible)
    if grouped:
        sums = summary.period_sums(rows, start, end, before[0], now=now)
    else:  # the statement per figure that SQLite runs
        with mock.patch.object(connection, "vendor", "sqlite"):
            sums = summary.period_sums(rows, start, end, before[0], now=now)
    before_qs = selectors.querysets_for(user, *before, filters, now=now, visible=visible)
    from_summary = {
        "referrals": summary.referral_figures(sums, qs["referrals"], qs["due"], start, end, now=now),
        "caseload": {"unassigned": sums.current["unassigned"], "needs_reassignment": sums.current["needs_reassignment"]}
        | {"workers": None},
        "previous": summary.headline_figures(sums, before_qs, *before, **scope),
    }
    return direct, from_summary


def assert_same_figures(w, periods, now):
    team, station, (d1, _d2) = w["teams"][0], w["stations"][0], w["districts"]
    filter_sets = [{}, {"team": team}, {"station": station}, {"district": d1}, {"category": Category.values[1]}]
    checked = 0
    for name, user in w["viewers"].items():
        for start, end in periods:
            for filters in filter_sets:
                # Both ways of reading the summary: grouping sets (PostgreSQL), a statement per figure.
                for grouped in (True, False):
                    direct, from_summary = both_ways(user, start, end, filters, now, grouped=grouped)
                    assert from_summary == direct, (name, start, end, filters, grouped)
                checked += direct["referrals"]["totals"]["total"]
    assert checked  # the periods held referrals


def periods():
    today = timezone.localdate()
    return [
        (local(today - timedelta(days=30)), local(today + timedelta(days=1))),  # up to now, today's deadlines too
        (local(today - timedelta(days=45)), local(today - timedelta(days=9))),  # wholly past
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_figures_from_the_summary_equal_the_direct_aggregate(world, seed):
    rng = random.Random(seed)
    today = timezone.localdate()
    make_referrals(world, rng, today - timedelta(days=45), today)
    make_referrals(world, rng, today - timedelta(days=45), today - timedelta(days=10), n=20)
    refresh.refresh(full=True)
    assert_same_figures(world, periods(), timezone.now())


def test_a_change_shows_after_the_next_sweep_and_not_before(world):
    rng = random.Random(3)
    today = timezone.localdate()
    make_referrals(world, rng, today - timedelta(days=45), today)
    refresh.refresh(full=True)
    now = timezone.now()
    changed = list(Referral.objects.order_by("pk")[:4])
    # A status change, a level change, a transfer to another team (the clock restarts) and a cancellation.
    Referral.objects.filter(pk=changed[0].pk).update(status=Status.DECLINED, decline_reason="duplicate", updated_at=now)
    Referral.objects.filter(pk=changed[1].pk).update(level=3 if changed[1].level != 3 else 1, updated_at=now)
    other = next(t for t in world["teams"] if t.pk != changed[2].team_id)
    Referral.objects.filter(pk=changed[2].pk).update(team=other, ack_due_at=now + timedelta(hours=4), updated_at=now)
    ReferralEvent.objects.create(referral=changed[2], kind=Kind.TRANSFERRED, at=now)
    Referral.objects.filter(pk=changed[3].pk).update(status=Status.CANCELLED, updated_at=now)
    ReferralEvent.objects.create(referral=changed[3], kind=Kind.CANCELLED, at=now)
    everything = (local(today - timedelta(days=400)), local(today + timedelta(days=1)))
    admin = world["viewers"]["administrator"]
    direct, stale = both_ways(admin, *everything, {}, now)
    assert stale != direct  # not yet swept
    assert 0 < refresh.refresh(now=now) <= 4  # the changed referrals' filing days only
    assert_same_figures(world, [everything, *periods()], now)


def test_a_referral_filed_at_half_past_eleven_at_night_counts_on_its_local_day(world):
    today = timezone.localdate()
    last = today - timedelta(days=3)
    start, end = local(last - timedelta(days=6)), local(last + timedelta(days=1))
    officer = world["officers"][0]
    for at in (local(last, 23, 30), local(last + timedelta(days=1), 0, 0), start - timedelta(minutes=30), start):
        r = ReferralFactory(referring_officer=officer, team=world["teams"][0], ack_due_at=at + timedelta(hours=2))
        Referral.objects.filter(pk=r.pk).update(filed_at=at)
    refresh.refresh(full=True)
    admin = world["viewers"]["administrator"]
    direct, from_summary = both_ways(admin, start, end, {}, timezone.now())
    assert direct["referrals"]["totals"]["total"] == from_summary["referrals"]["totals"]["total"] == 2
    # 23:30 in Taipei is 15:30 UTC the same day: the key is the local day, as the period's bounds.
    days = set(ReferralDailyFigures.objects.values_list("day", flat=True))
    assert last in days and last + timedelta(days=1) in days


def test_the_comparison_fails_when_the_summary_is_wrong(world):
    rng = random.Random(4)
    today = timezone.localdate()
    make_referrals(world, rng, today - timedelta(days=45), today, n=30)
    refresh.refresh(full=True)
    ReferralDailyFigures.objects.filter(pk=ReferralDailyFigures.objects.order_by("pk")[0].pk).update(
        filed=999, on_time=999
    )
    with pytest.raises(AssertionError):
        assert_same_figures(world, periods(), timezone.now())


def test_the_page_reads_the_summary_and_says_when_it_was_refreshed(world, client):
    rng = random.Random(5)
    today = timezone.localdate()
    make_referrals(world, rng, today - timedelta(days=45), today, n=20)
    url = reverse("dashboards:dashboard") + f"?start={today - timedelta(days=30)}"
    client.force_login(world["viewers"]["agency supervisor"])
    assert client.get(url).context["summary_refreshed_at"] is None  # never refreshed: counted directly
    refresh.refresh(full=True)
    response = client.get(url)
    assert response.context["summary_refreshed_at"] is not None
    assert "Figures as of" in response.content.decode()


def test_officers_and_workers_are_counted_directly(world):
    assert summary.visibility(world["officers"][0]) is None
    assert summary.visibility(world["workers"][0]) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_give_the_same_rows_as_one(world):
    rng = random.Random(6)
    today = timezone.localdate()
    make_referrals(world, rng, today - timedelta(days=45), today, n=40)
    refresh.refresh(full=True)
    Referral.objects.filter(pk__in=Referral.objects.order_by("pk").values("pk")[:10]).update(
        status=Status.CLOSED, outcome="got_help", updated_at=timezone.now()
    )
    results = run_concurrently(refresh.refresh, refresh.refresh)
    assert not [r for r in results if isinstance(r, Exception)], results
    after_both = sorted(map(repr, ReferralDailyFigures.objects.values_list(*_columns())))
    refresh.refresh(full=True)
    assert sorted(map(repr, ReferralDailyFigures.objects.values_list(*_columns()))) == after_both
    assert connection.vendor == "postgresql"


def _columns():
    return [f.attname for f in ReferralDailyFigures._meta.concrete_fields if f.name != "id"]
