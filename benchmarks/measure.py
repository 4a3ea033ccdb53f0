"""Measure pages, the API, search and the timer sweep on the bench data (run by ``scripts/bench``).

For each page: server time (median and p95 over repeated runs, Django's test client in
process), query count, and the time of the page's slowest SQL statement run on its own (the
floor) with the ratio page / floor.
"""

import json
import resource
import statistics
import time
from datetime import timedelta
from pathlib import Path

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from referrals import services
from referrals.models import Referral, ReferralEscalation

RUNS = 15
# The performance issue's targets: median ms; for the lists and the case page also at most three
# times the page's slowest statement plus 10 ms (what is spent outside the database); for the API
# list its main statement at most 5 ms for every role.
TARGETS = {
    "my_referrals": 25,
    "queue": 25,
    "detail": 25,
    "dashboard": 150,
    "search_phone": 30,
    "search_name": 30,
    "search_reference": 30,
}
FLOOR_RULE = ("my_referrals", "queue", "detail")
API_TARGET_MS, API_STATEMENT_MS = 25, 5


def _time_page(client, url):
    client.get(url)  # warm caches and connections
    times, queries, slowest = [], 0, ""
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
        slowest = max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"]
    floor = []
    with connection.cursor() as cursor:
        for _ in range(RUNS):
            start = time.perf_counter()
            cursor.execute(slowest)
            cursor.fetchall()
            floor.append((time.perf_counter() - start) * 1000)
    median, floor_median = statistics.median(times), statistics.median(floor)
    return {
        "median_ms": round(median, 1),
        "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1),
        "queries": queries,
        "floor_ms": round(floor_median, 2),
        "ratio": round(median / floor_median, 1) if floor_median else None,
    }


def _client(username):
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=username))
    client.cookies["django_language"] = "en"
    return client


def _bench_users():
    """The bench's users of every role that lists referrals (a coordinator and an administrator are
    added when the data set has none)."""
    from accounts.models import Organization

    agency = Organization.objects.get(code="bench-a0")
    User.objects.get_or_create(
        username="bcoordinator0", defaults={"role": User.Role.INTAKE_COORDINATOR, "organization": agency}
    )
    User.objects.get_or_create(username="badmin0", defaults={"role": User.Role.ADMINISTRATOR, "is_staff": True})
    return {
        "officer": "bofficer0",
        "social_worker": "bworker0",
        "supervisor": "bsupervisor0",
        "precinct_supervisor": "bprecinct0",
        "intake_coordinator": "bcoordinator0",
        "administrator": "badmin0",
    }


def measure_pages():
    results = {}
    officer, worker, supervisor = _client("bofficer0"), _client("bworker0"), _client("bsupervisor0")
    referral = Referral.objects.filter(team__code="bench-t0").order_by("-filed_at").first()
    results["my_referrals"] = _time_page(officer, "/referrals/mine/")
    results["queue"] = _time_page(worker, "/referrals/queue/")
    results["detail"] = _time_page(worker, f"/referrals/{referral.pk}/")
    start = (timezone.localdate() - timedelta(days=182)).isoformat()
    results["dashboard"] = _time_page(supervisor, f"/dashboards/?start={start}")
    # A person, a phone and a reference of a referral the supervisor may see.
    visible = Referral.objects.visible_to(User.objects.get(username="bsupervisor0")).order_by("-filed_at")[1000]
    person = visible.person_links.select_related("person").first().person
    results["search_phone"] = _time_page(supervisor, f"/referrals/search/?q={person.phone}")
    results["search_name"] = _time_page(supervisor, f"/referrals/search/?q={person.name.replace(' ', '+')}")
    results["search_reference"] = _time_page(supervisor, f"/referrals/search/?q={visible.reference}")
    return results


def measure_api():
    """The referrals API list (25 rows) for each role: page time and its main statement."""
    return {role: _time_page(_client(name), "/api/referrals/?page_size=25") for role, name in _bench_users().items()}


def measure_sweep(count=10_000):
    """Make ``count`` deadlines due, sweep, and check every step fired exactly once."""
    from accounts import tasks

    # E-mails are delivered by Celery workers, not inside the sweep: leave them in the outbox here.
    tasks.queue_email = lambda notification_id: None
    # In one transaction rolled back at the end, so the data set is the same for the next run.
    with transaction.atomic():
        results = _sweep(count)
        transaction.set_rollback(True)
    return results


def _sweep(count):
    now = timezone.now()
    ids = list(Referral.objects.filter(status="submitted").values_list("pk", flat=True)[:count])
    Referral.objects.exclude(pk__in=ids).filter(escalate_at__isnull=False).update(escalate_at=None)
    Referral.objects.filter(pk__in=ids).update(
        escalate_at=now - timedelta(seconds=30), ack_due_at=now, escalation_level=0
    )
    ReferralEscalation.objects.filter(referral_id__in=ids).delete()
    start = time.perf_counter()
    fired = services.sweep_escalations(now=now)
    seconds = time.perf_counter() - start
    again = services.sweep_escalations(now=now)
    rows = ReferralEscalation.objects.filter(referral_id__in=ids)
    return {
        "due": len(ids),
        "fired": fired,
        "second_sweep_fired": again,
        "rows": rows.count(),
        "seconds": round(seconds, 2),
        "exactly_once": fired == len(ids) == rows.count() and again == 0,
    }


def _verdict(name, r):
    ok = r["median_ms"] <= TARGETS[name]
    if name in FLOOR_RULE:
        ok = ok and r["median_ms"] <= 3 * r["floor_ms"] + 10
    return ok


def report(results, path):
    print(f"\n{'page':<18}{'median ms':>11}{'p95 ms':>9}{'queries':>9}{'floor ms':>10}{'ratio':>7}  target")
    for name, r in results["pages"].items():
        r["target_met"] = _verdict(name, r)
        rule = f"≤{TARGETS[name]} ms" + (", ≤3×floor+10" if name in FLOOR_RULE else "")
        print(
            f"{name:<18}{r['median_ms']:>11}{r['p95_ms']:>9}{r['queries']:>9}{r['floor_ms']:>10}"
            f"{r['ratio'] or '-':>7}  {rule} {'ok' if r['target_met'] else 'MISS'}"
        )
    print(f"\n{'API list as':<22}{'median ms':>11}{'p95 ms':>9}{'queries':>9}{'main stmt ms':>14}  target")
    for role, r in results["api"].items():
        r["target_met"] = r["median_ms"] <= API_TARGET_MS and r["floor_ms"] <= API_STATEMENT_MS
        print(
            f"{role:<22}{r['median_ms']:>11}{r['p95_ms']:>9}{r['queries']:>9}{r['floor_ms']:>14}"
            f"  ≤{API_TARGET_MS} ms, statement ≤{API_STATEMENT_MS} ms {'ok' if r['target_met'] else 'MISS'}"
        )
    s = results["sweep"]
    print(
        f"\nsweep of {s['due']} due deadlines: {s['seconds']} s, fired {s['fired']}, "
        f"second sweep {s['second_sweep_fired']}, exactly once: {s['exactly_once']} (rolled back afterwards)"
    )
    print(f"peak memory of this process: {results['max_rss_mb']} MB")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(results, indent=2, default=str))
    print(f"results written to {path}")


def run(path):
    results = {"pages": measure_pages(), "api": measure_api(), "sweep": measure_sweep()}
    results["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report(results, path)
    return results
