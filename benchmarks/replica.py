"""python -m benchmarks.replica: which database each SQL statement of a request went to (scripts/scale-replica).

Needs DATABASE_URL (the primary, a database of its own) and DATABASE_REPLICA_URL (a streaming replica
of it), both migrated. Builds a small district once, waits for the replica to replay it, then sends a
dashboard GET, a dashboard export, a search, and a POST followed by GETs through Django's test client,
printing the alias per statement and the router's choices (logger config.routers).
"""

import logging
import os
import time
from collections import Counter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("REPLICA_LOG_CHOICES", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from config.routers import statements  # noqa: E402
from referrals import services  # noqa: E402

PREFIX = "scale-replica"


class _Choices(logging.Handler):
    """Collects the router's choices ("read referrals.Referral -> replica (opted in)")."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.seen = []

    def emit(self, record):
        self.seen.append(record.getMessage())


def _scalar(alias, sql, params=()):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replay(timeout=30.0):
    """Seconds until the replica has replayed the primary's WAL as of now."""
    start = time.perf_counter()
    target = _scalar("default", "SELECT pg_current_wal_lsn()")
    while not _scalar("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"the replica did not replay up to {target} within {timeout} s")
        time.sleep(0.002)
    return time.perf_counter() - start


def _people():
    """A station, a team and their people, built once (idempotent by username)."""
    existing = User.objects.filter(username__startswith=PREFIX)
    if existing.count() >= 3:
        return {u.username.removeprefix(f"{PREFIX}-"): u for u in existing}
    from tests import factories as f
    from tests.referrals.factories import StationTeamMatchFactory

    station = f.StationFactory()
    agency = f.AgencyFactory(district=station.district)
    team = f.TeamFactory(district=station.district, parent=agency)
    StationTeamMatchFactory(station=station, team=team)
    people = {
        "officer": f.OfficerFactory(organization=station, username=f"{PREFIX}-officer"),
        "worker": f.SocialWorkerFactory(organization=team, username=f"{PREFIX}-worker"),
        "supervisor": f.SupervisorFactory(organization=agency, username=f"{PREFIX}-supervisor"),
    }
    for n in range(20):
        services.submit_referral(
            actor=people["officer"],
            persons=[({"name": f"Lin Mei {n}", "phone": f"0911{n:06d}", "address": f"No. {n}, Rd."}, "subject")],
            category="elderly" if n % 2 else "dispute",
            level=1 + n % 3,
            narrative="Scale drill.",
            incident_at=timezone.now(),
        )
    return people


def _show(title, client, method, url, data=None, choices=None):
    choices.seen.clear()
    with statements() as seen:
        start = time.perf_counter()
        response = getattr(client, method)(url, data or {})
        ms = (time.perf_counter() - start) * 1000
    pinned = "pin cookie set" if "replica_pin" in response.cookies and response.cookies["replica_pin"].value else ""
    print(f"\n== {title}: {method.upper()} {url} {data or ''} -> {response.status_code} in {ms:.0f} ms {pinned}")
    for alias, sql in seen:
        print(f"  {alias:8} {' '.join(sql.split())[:110]}")
    counts = Counter(alias for alias, _sql in seen)
    print(f"  statements: primary {counts['default']}, replica {counts['replica']}")
    decisions = Counter(choices.seen)
    for line, n in decisions.most_common():
        print(f"  router: {line}" + (f"  x{n}" if n > 1 else ""))
    return counts


def main():
    if "replica" not in settings.DATABASES or not settings.DATABASE_ROUTERS:
        raise SystemExit("DATABASE_REPLICA_URL is not set")
    if not _scalar("replica", "SELECT pg_is_in_recovery()"):
        raise SystemExit("the replica alias is not a standby server")
    choices = _Choices()
    router_log = logging.getLogger("config.routers")
    router_log.addHandler(choices)
    router_log.propagate = False  # shown per request below, not on the console as well
    people = _people()
    print(f"data on the primary replayed by the replica in {wait_for_replay() * 1000:.1f} ms")
    totals = Counter()
    supervisor = Client(HTTP_HOST="localhost")
    supervisor.force_login(people["supervisor"])
    worker = Client(HTTP_HOST="localhost")
    worker.force_login(people["worker"])
    dashboard = reverse("dashboards:dashboard")
    wait_for_replay()  # the sign-ins wrote sessions
    totals += _show("dashboard", supervisor, "get", dashboard, choices=choices)
    totals += _show("dashboard export", supervisor, "get", dashboard, {"export": "weekly", "format": "xlsx"}, choices)
    totals += _show("search", worker, "get", reverse("referrals:search"), {"q": "Lin Mei 3"}, choices)
    user_before = User.objects.get(pk=people["supervisor"].pk).language
    other = "en" if user_before != "en" else "zh-hant"
    totals += _show("save (language)", supervisor, "post", reverse("set_language"), {"language": other}, choices)
    totals += _show("dashboard right after the save (pinned)", supervisor, "get", dashboard, choices=choices)
    time.sleep(settings.REPLICA_PIN_SECONDS + 1)
    later = f"dashboard {settings.REPLICA_PIN_SECONDS + 1} s later"
    totals += _show(later, supervisor, "get", dashboard, choices=choices)
    lag = _scalar(
        "default",
        "SELECT coalesce(max(extract(epoch FROM replay_lag)) * 1000, 0) FROM pg_stat_replication",
    )
    print(
        f"\nsummary: {totals['replica']} statements on the replica, {totals['default']} on the primary; "
        f"replay_lag {lag:.1f} ms"
    )


if __name__ == "__main__":
    main()
