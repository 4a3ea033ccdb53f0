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

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from referrals import services
from referrals.models import Referral, ReferralEscalation

RUNS = 15
TARGETS = {  # median ms, max queries
    "my_referrals": (100, 12),
    "queue": (100, 12),
    "detail": (80, None),
    "dashboard": (500, None),
    "api_list": (100, None),
    "search_phone": (100, None),
    "search_name": (100, None),
}


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


def measure_pages():
    results = {}
    officer, worker, supervisor = _client("bofficer0"), _client("bworker0"), _client("bsupervisor0")
    referral = Referral.objects.filter(referring_station__code="bench-s0").order_by("-filed_at").first()
    results["my_referrals"] = _time_page(officer, "/referrals/mine/")
    results["queue"] = _time_page(worker, "/referrals/queue/")
    results["detail"] = _time_page(
        worker if referral.team.code == "bench-t0" else _client("bsupervisor0"), f"/referrals/{referral.pk}/"
    )
    start = (timezone.localdate() - timedelta(days=182)).isoformat()
    results["dashboard"] = _time_page(supervisor, f"/dashboards/?start={start}")
    results["api_list"] = _time_page(worker, "/api/referrals/")
    results["search_phone"] = _time_page(supervisor, "/referrals/search/?q=0900001234")
    results["search_name"] = _time_page(supervisor, "/referrals/search/?q=Person+1234")
    return results


def measure_sweep(count=10_000):
    """Make ``count`` deadlines due, sweep, and check every step fired exactly once."""
    from accounts import tasks

    # E-mails are delivered by Celery workers, not inside the sweep: leave them in the outbox here.
    tasks.queue_email = lambda notification_id: None
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
    lags = sorted((e.fired_at - e.due_at).total_seconds() for e in rows.only("fired_at", "due_at"))
    return {
        "due": len(ids),
        "fired": fired,
        "second_sweep_fired": again,
        "rows": rows.count(),
        "seconds": round(seconds, 2),
        "lag_p99_s": lags[int(0.99 * (len(lags) - 1))] if lags else None,
        "exactly_once": fired == len(ids) == rows.count() and again == 0,
    }


def report(results, path):
    print(f"\n{'page':<16}{'median ms':>11}{'p95 ms':>9}{'queries':>9}{'floor ms':>10}{'ratio':>7}  target")
    for name, r in results["pages"].items():
        target_ms, target_q = TARGETS[name]
        ok = r["median_ms"] <= target_ms and (target_q is None or r["queries"] <= target_q)
        print(
            f"{name:<16}{r['median_ms']:>11}{r['p95_ms']:>9}{r['queries']:>9}{r['floor_ms']:>10}"
            f"{r['ratio'] or '-':>7}  ≤{target_ms} ms{f', ≤{target_q} q' if target_q else ''} {'ok' if ok else 'MISS'}"
        )
        r["target_met"] = ok
    s = results["sweep"]
    print(
        f"\nsweep of {s['due']} due deadlines: {s['seconds']} s, fired {s['fired']}, "
        f"second sweep {s['second_sweep_fired']}, exactly once: {s['exactly_once']}, lag p99 {s['lag_p99_s']} s"
    )
    print(f"peak memory of this process: {results['max_rss_mb']} MB")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(results, indent=2, default=str))
    print(f"results written to {path}")


def run(path):
    results = {"pages": measure_pages(), "sweep": measure_sweep()}
    results["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    report(results, path)
    return results
