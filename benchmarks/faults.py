"""Fault drills for timers and notifications (``scripts/faults``); prints PASS/FAIL per drill.

1. kill -9 a Celery worker in the middle of a sweep, restart it: every due escalation fires once.
2. stop Redis, file referrals (they succeed; e-mails wait in the outbox), start Redis: each delivered once.
3. restart PostgreSQL while gunicorn runs: requests fail cleanly, then succeed without manual action.
4. a mail server that accepts connections and never answers (Celery, then embedded ``run_timers``):
   missed-check-out level 1 alerts still fire within one sweep interval.

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
    "FIELD_ENCRYPTION_KEYS": "ZmF1bHQtZHJpbGxzLWZpZWxkLWVuY3J5cHRpb24ta2U=",
    "SEARCH_HASH_KEY": "fault-drills-search-hash-key",
    "DEBUG": "false",
    "SECURE": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "EMAIL_URL": "dummymail://",
    "TIMER_SWEEP_INTERVAL": "3600",
}
SWEEP_INTERVAL = 10  # seconds, for the hung-mail drills (production: TIMER_SWEEP_INTERVAL, 20)
ON_TIME = SWEEP_INTERVAL + 1  # a deadline waits at most one interval for the next sweep, plus the sweep itself


def _setup():
    name, admin = DB.rsplit("/", 1)[1], DB.rsplit("/", 1)[0] + "/postgres"
    for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
        subprocess.run(["psql", admin, "-qc", sql], check=True)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=ENV)
    subprocess.run(  # demo data is for development sites only: seed_demo wants DEBUG
        [sys.executable, "manage.py", "seed_demo"], check=True, env={**ENV, "DEBUG": "true"}, stdout=subprocess.DEVNULL
    )
    os.environ.update(ENV)
    import django

    django.setup()


def _worker(queues="celery,email", env=None, name="worker"):
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
            "-Q",
            queues,
            "-n",
            f"{name}@%h",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env or ENV,
    )


def _file_referrals(n, level=1):
    from django.utils import timezone

    from accounts.models import User
    from referrals import services

    officer = User.objects.get(username="officer1")
    return [
        services.submit_referral(
            actor=officer,
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
    from accounts.outbox import deliver_pending_emails

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


def _black_hole():
    """A mail server that accepts TCP connections and never says a word."""
    import socket

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    return server, {"EMAIL_URL": f"smtp://127.0.0.1:{server.getsockname()[1]}", "EMAIL_TIMEOUT": "10"}


def _overdue_visits(n, due_in=timedelta(seconds=2)):
    """Started visits whose check-out falls due in a moment (recipients: the team's supervisors, by e-mail)."""
    from django.utils import timezone

    from accounts.models import User
    from safety.models import HomeVisit

    worker = User.objects.get(username="worker1")
    referral = _file_referrals(1, level=3)[0]
    due = timezone.now() + due_in
    visits = []
    for i in range(n):
        visit = HomeVisit.objects.create(
            referral=referral,
            address=f"drill {i}",
            planned_start=due - timedelta(minutes=75),
            expected_minutes=60,
            status=HomeVisit.Status.STARTED,
            planned_by=worker,
            started_at=due - timedelta(minutes=75),
            expected_end_at=due - timedelta(minutes=15),
            check_out_due_at=due,
        )
        visit.workers.set([worker])
        visits.append(visit)
    return visits, due


def _alert_delays(visits, due, wait):
    """Seconds from the check-out deadline to each level 1 alert (None: not raised within ``wait``)."""
    from safety.models import SafetyAlert

    deadline = time.time() + wait
    while time.time() < deadline:
        raised = dict(
            SafetyAlert.objects.filter(visit__in=visits, kind="missed_check_out", level=1).values_list(
                "visit_id", "raised_at"
            )
        )
        if len(raised) == len(visits):
            break
        time.sleep(0.5)
    return [round((raised[v.pk] - due).total_seconds(), 1) if v.pk in raised else None for v in visits]


def _mail_counts():
    """(send attempts so far, e-mails sent so far) over the whole outbox."""
    from django.db.models import Count, Q, Sum

    from accounts.models import Notification

    totals = Notification.objects.aggregate(
        attempts=Sum("email_attempts"), sent=Count("pk", filter=Q(email_state="sent"))
    )
    return totals["attempts"] or 0, totals["sent"]


def _purge():
    """Empty both Celery queues (tasks left by an earlier drill would point at rows that no longer exist)."""
    from config.celery import app

    with app.connection_for_write() as conn:
        for queue in ("celery", "email"):
            conn.default_channel.queue_purge(queue)


def drill_hung_smtp_celery(n=5):
    """Workers as in docker-compose (sweeps on "celery", e-mail on "email"); beat's role is played here."""
    from django.utils import timezone

    from accounts import tasks

    server, mail_env = _black_hole()
    env = {**ENV, **mail_env}
    _purge()
    attempts, sent = _mail_counts()
    worker, mailer = _worker("celery", env, "worker"), _worker("email", env, "mailer")
    try:
        time.sleep(4)
        _file_referrals(6, level=3)  # e-mails that occupy both mailer slots on the silent server
        visits, due = _overdue_visits(n)
        time.sleep(max(0.0, (due - timezone.now()).total_seconds()))
        sweeps_until = time.time() + SWEEP_INTERVAL * 2
        while time.time() < sweeps_until:  # beat: one sweep per interval
            tasks.sweep_timers.delay()
            delays = _alert_delays(visits, due, wait=SWEEP_INTERVAL)
            if None not in delays:
                break
        hung, sent = (after - before for after, before in zip(_mail_counts(), (attempts, sent), strict=True))
    finally:
        for process in (worker, mailer):
            process.send_signal(signal.SIGTERM)
        for process in (worker, mailer):
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        server.close()
        _purge()
    ok = None not in delays and max(delays) <= ON_TIME and hung > 0 and sent == 0
    return ok, (
        f"sweep every {SWEEP_INTERVAL} s; level 1 alerts {delays} s after the deadline; "
        f"{hung} e-mails hung on the silent server, {sent} sent"
    )


def drill_hung_smtp_embedded(n=5):
    """No broker: run_timers sweeps; its mail thread is stuck on the silent server."""
    server, mail_env = _black_hole()
    env = {k: v for k, v in {**ENV, **mail_env}.items() if k != "REDIS_URL"}
    attempts, sent = _mail_counts()
    timer_loop = subprocess.Popen(
        [sys.executable, "manage.py", "run_timers", "--interval", str(SWEEP_INTERVAL)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(3)
        _file_referrals(6, level=3)
        visits, due = _overdue_visits(n)
        delays = _alert_delays(visits, due, wait=SWEEP_INTERVAL + 5)
        time.sleep(3)
        hung, sent = (after - before for after, before in zip(_mail_counts(), (attempts, sent), strict=True))
    finally:
        timer_loop.send_signal(signal.SIGTERM)
        try:
            timer_loop.wait(timeout=30)
        except subprocess.TimeoutExpired:
            timer_loop.kill()
        server.close()
        _purge()  # this process filed with a broker configured; nobody consumes those here
    ok = None not in delays and max(delays) <= ON_TIME and hung > 0 and sent == 0
    return ok, (
        f"run_timers every {SWEEP_INTERVAL} s; level 1 alerts {delays} s after the deadline; "
        f"{hung} e-mails hung on the silent server, {sent} sent"
    )


def main():
    _setup()
    results = []
    for name, drill in (
        ("worker killed mid-sweep", drill_worker_killed),
        ("Redis down while filing", drill_redis_down),
        ("PostgreSQL restarted under the web server", drill_postgres_restart),
        ("mail server never answers (Celery)", drill_hung_smtp_celery),
        ("mail server never answers (embedded run_timers)", drill_hung_smtp_embedded),
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
