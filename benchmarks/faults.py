"""Fault drills for timers and notifications (``scripts/faults``); prints PASS/FAIL per drill.

1. kill -9 a Celery worker in the middle of a sweep, restart it: every due escalation fires once.
2. stop Redis, file referrals (they succeed; e-mails wait in the outbox), start Redis: each delivered once.
3. restart PostgreSQL while gunicorn runs: requests fail cleanly, then succeed without manual action.

Uses this machine's PostgreSQL (BENCH_DATABASE_URL, a scratch database) and Redis on 127.0.0.1:6379.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

DB = os.environ.get("FAULTS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/psw_faults")
REDIS = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/5")
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "-::1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    "/var/lib/redis",
    "--logfile",
    "/var/log/redis/ci.log",
]
ENV = {
    **os.environ,
    "DATABASE_URL": DB,
    "REDIS_URL": REDIS,
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "SECRET_KEY": "faults",
    "DEBUG": "false",
    "SECURE": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "dummymail://",
    "TIMER_SWEEP_INTERVAL": "3600",
}


def _setup():
    name, admin = DB.rsplit("/", 1)[1], DB.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=ENV)
    subprocess.run([sys.executable, "manage.py", "seed_demo"], check=True, env=ENV, stdout=subprocess.DEVNULL)
    os.environ.update(ENV)
    import django

    django.setup()


def _worker():
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-c",
            "2",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=ENV,
    )


def _file_referrals(n, level=1):
    from django.utils import timezone

    from accounts.models import User
    from referrals import services

    officer = User.objects.get(username="officer1")
    return [
        services.submit_referral(
            officer,
            persons=[({"name": f"Drill {i}"}, "subject")],
            category="other",
            level=level,
            narrative="fault drill",
            incident_at=timezone.now(),
        )
        for i in range(n)
    ]


def drill_worker_killed(n=1500):
    from django.utils import timezone

    from accounts import tasks
    from config.celery import app
    from referrals.models import Referral, ReferralEscalation

    referrals = _file_referrals(n)
    Referral.objects.filter(pk__in=[r.pk for r in referrals]).update(escalate_at=timezone.now() - timedelta(minutes=1))
    app.control.purge()  # the filing e-mails stay in the database outbox; the worker's first job is the sweep
    worker = _worker()
    time.sleep(4)
    tasks.sweep_timers.delay()
    wait_until = time.time() + 30
    while time.time() < wait_until:  # kill the worker as soon as the sweep has committed some steps
        if ReferralEscalation.objects.filter(referral__in=referrals, level=1).exists():
            break
        time.sleep(0.02)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    fired_before_restart = ReferralEscalation.objects.filter(referral__in=referrals, level=1).count()
    worker = _worker()
    time.sleep(4)
    deadline = time.time() + 120
    while time.time() < deadline:
        tasks.sweep_timers.delay()
        time.sleep(3)
        if ReferralEscalation.objects.filter(referral__in=referrals, level=1).count() == n:
            break
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    fired = ReferralEscalation.objects.filter(referral__in=referrals, level=1).count()
    from accounts.models import Notification

    escalation_titles = Notification.objects.filter(
        kind="escalation", title__in=[f"{r.reference}: not acknowledged in time: escalated" for r in referrals]
    ).values("title", "recipient")
    duplicates = escalation_titles.count() - len({(x["title"], x["recipient"]) for x in escalation_titles})
    ok = fired == n and duplicates == 0
    return ok, f"{n} due; {fired_before_restart} fired before the kill; {fired} after restart; {duplicates} duplicates"


def drill_redis_down(n=20):
    from accounts.models import Notification
    from accounts.services import deliver_pending_emails

    subprocess.run(["redis-cli", "shutdown", "nosave"], check=False, capture_output=True)
    time.sleep(1)
    while deliver_pending_emails(older_than=timedelta(0)):
        pass  # start from an empty outbox
    start = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    referrals = _file_referrals(n, level=3)
    mine = Notification.objects.filter(pk__gt=start)
    created = mine.count()
    pending = mine.filter(email_state="pending").count()
    subprocess.run(REDIS_START, check=True)
    time.sleep(1)
    worker = _worker()
    time.sleep(4)
    delivered = deliver_pending_emails(older_than=timedelta(0))  # the outbox sweep (beat runs it every minute)
    again = deliver_pending_emails(older_than=timedelta(0))
    worker.send_signal(signal.SIGTERM)
    worker.wait(timeout=30)
    sent = mine.filter(email_state="sent").count()
    ok = len(referrals) == n and pending > 0 and again == 0 and sent == pending == delivered
    return (
        ok,
        f"{n} referrals filed with Redis down; {created} notifications, {pending} e-mails waited; "
        f"{delivered} delivered after restart, {again} on a second pass; {sent} of them sent, each once",
    )


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return "error"


def drill_postgres_restart(port=8766):
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            "2",
            "--timeout",
            "30",
            "--access-logfile",
            "/dev/null",
        ],
        env=ENV,
    )
    time.sleep(3)
    url = f"http://127.0.0.1:{port}/healthz"
    before = _get(url)
    version = Path("/etc/postgresql").iterdir().__next__().name
    restart = subprocess.Popen(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"])
    during, started = [], time.time()
    while restart.poll() is None and time.time() - started < 60:
        t = time.time()
        during.append((_get(url), round(time.time() - t, 2)))
        time.sleep(0.2)
    time.sleep(1)
    after = [_get(url) for _ in range(5)]
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    slowest = max((d for _, d in during), default=0)
    ok = before == 200 and all(a == 200 for a in after) and slowest < 6
    return (
        ok,
        f"before {before}; during restart {sorted({str(s) for s, _ in during})} "
        f"(slowest answer {slowest} s); after {after}",
    )


def main():
    _setup()
    results = []
    for name, drill in (
        ("worker killed mid-sweep", drill_worker_killed),
        ("Redis down while filing", drill_redis_down),
        ("PostgreSQL restarted under the web server", drill_postgres_restart),
    ):
        try:
            ok, detail = drill()
        except Exception as exc:  # noqa: BLE001 - a drill that crashes is a failed drill
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        finally:
            subprocess.run(
                REDIS_START if subprocess.run(["redis-cli", "ping"], capture_output=True).returncode else ["true"],
                check=False,
            )
        results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
    print(f"\nfaults: {sum(ok for _, ok, _ in results)}/{len(results)} passed")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
