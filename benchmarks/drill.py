"""The many-processes drill (``scripts/scale-drill``): prints PASS/FAIL with the figures.

PgBouncer (transaction mode) in front of this machine's PostgreSQL, two gunicorn instances behind
HAProxy (round robin, retries on the other upstream), two Celery workers and TWO beat processes,
all through PgBouncer and Redis. DRILL_DEADLINES escalation deadlines (10,000) fall due evenly over
DRILL_MINUTES (10) while officers and social workers use the site through the proxy. Half-way
one gunicorn instance, one worker (during a sweep) and one beat are killed with SIGKILL.

Then it counts rows: one escalation step, one event and one notice per recipient for each due
deadline, each e-mail received once by a local SMTP sink, every 201 of the web clients a referral
in the database. Escalation lag is measured twice: ``fired_at - due_at`` from the rows, and the
time the committed row was first seen (polled every second) minus ``due_at``.

Own database (DRILL_DATABASE_URL, psw_drill), Redis database 13, ports 6432, 8800-8802; pids and
logs under DRILL_DIR (/tmp/psw-drill). Processes left by an interrupted run are ended at the start.
"""

import email
import hashlib
import json
import logging
import os
import random
import re
import shutil
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import requests

MINUTES = float(os.environ.get("DRILL_MINUTES", "10"))
DEADLINES = int(os.environ.get("DRILL_DEADLINES", "10000"))
LAG_TARGET = 60.0  # seconds, p99 of (fired - due)
DIRECT = os.environ.get("DRILL_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/psw_drill")
DB_NAME = DIRECT.rsplit("/", 1)[1]
SEED_DB = DB_NAME + "_seed"
PGBOUNCER_PORT, PROXY_PORT, WEB_PORTS = 6432, 8800, (8801, 8802)
POOLED = f"postgres://postgres@127.0.0.1:{PGBOUNCER_PORT}/{DB_NAME}"
REDIS = os.environ.get("DRILL_REDIS_URL", "redis://127.0.0.1:6379/13")
DIR = Path(os.environ.get("DRILL_DIR", "/tmp/psw-drill"))
WEB_THREADS = 4
REFERENCE_PREFIX = "DRILL-"

KEYS = {
    "SECRET_KEY": "scale-drill",
    "FIELD_ENCRYPTION_KEYS": "c2NhbGUtZHJpbGwtZmllbGQtZW5jcnlwdGlvbi1rZXk=",
    "SEARCH_HASH_KEY": "scale-drill-search-hash-key",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "false",
    "SECURE": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "REDIS_URL": REDIS,
    "PUSH_ENABLED": "false",
    "EMAIL_TIMEOUT": "10",
}
if DB_NAME != "psw_drill" and not DB_NAME.startswith("psw_drill_") or DB_NAME.endswith("_seed"):
    raise SystemExit(f"refusing to drop {DB_NAME!r}: the drill database is psw_drill or psw_drill_*")


# --- processes ------------------------------------------------------------------------------------


class Processes:
    """Everything this drill starts, each in its own process group (so a kill takes its children too)."""

    def __init__(self):
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name, argv, env=None):
        log = open(DIR / f"{name}.log", "ab")  # noqa: SIM115 - kept open for the life of the process
        self.running[name] = subprocess.Popen(
            argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=Path.cwd()
        )
        (DIR / "pids.json").write_text(json.dumps({n: p.pid for n, p in self.running.items()}))
        return self.running[name]

    def kill(self, name):
        """SIGKILL to the process and its children, as when a container or host is lost."""
        process = self.running.pop(name)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self):
        for process in self.running.values():
            _signal_group(process.pid, signal.SIGTERM)
        deadline = time.time() + 30
        for process in self.running.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        self.running.clear()


def _signal_group(pid, sig):
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def _end_leftovers():
    """Process groups recorded by an earlier, interrupted run of this drill (checked: still ours)."""
    pids = DIR / "pids.json"
    if not pids.exists():
        return
    for pid in json.loads(pids.read_text()).values():
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            if os.getpgid(pid) == pid and any(w in command for w in ("gunicorn", "celery", "pgbouncer", "haproxy")):
                _signal_group(pid, signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError):
            pass


def _port_free(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _wait_http(url, seconds=60):
    until = time.time() + seconds
    while time.time() < until:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


# --- PgBouncer and HAProxy ------------------------------------------------------------------------


def _pgbouncer(processes):
    ini = DIR / "pgbouncer.ini"
    ini.write_text(
        f"""[databases]
{DB_NAME} = host=127.0.0.1 port=5432 dbname={DB_NAME}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PGBOUNCER_PORT}
unix_socket_dir = {DIR}
auth_type = trust
auth_file = {DIR}/userlist.txt
admin_users = postgres
pool_mode = transaction
max_client_conn = 400
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
log_connections = 0
log_disconnections = 0
"""
    )
    (DIR / "userlist.txt").write_text('"postgres" ""\n')
    shutil.chown(DIR, "postgres")
    for f in (ini, DIR / "userlist.txt"):
        shutil.chown(f, "postgres")
    # PgBouncer refuses to run as root; -u switches to the postgres user after start.
    processes.start("pgbouncer", ["pgbouncer", "-u", "postgres", str(ini)])
    for _ in range(50):
        if not _port_free(PGBOUNCER_PORT):
            return
        time.sleep(0.2)
    raise RuntimeError("pgbouncer did not start; see " + str(DIR / "pgbouncer.log"))


def _haproxy(processes):
    cfg = DIR / "haproxy.cfg"
    servers = "\n".join(
        f"    server web{i} 127.0.0.1:{port} check inter 1s fall 2 rise 2" for i, port in enumerate(WEB_PORTS, 1)
    )
    cfg.write_text(
        f"""global
    maxconn 512

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    # A refused or reset connection is tried again on the other upstream.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend web
    bind 127.0.0.1:{PROXY_PORT}
    default_backend app

backend app
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz ver HTTP/1.1 hdr Host 127.0.0.1
{servers}
"""
    )
    processes.start("haproxy", ["haproxy", "-db", "-f", str(cfg)])


# --- a mail server that counts what it receives -------------------------------------------------


class MailSink(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SmtpSession)
        self.received: Counter = Counter()  # (recipient, subject) -> messages
        self.lock = threading.Lock()


class _SmtpSession(socketserver.StreamRequestHandler):
    def _say(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        try:
            self._converse()
        except ConnectionError:
            pass  # a sender killed in the middle: its message was not accepted, so not counted

    def _converse(self):
        self._say("220 drill mail sink")
        recipients = []
        while line := self.rfile.readline():
            command = line.decode("latin-1").strip().upper()
            if command.startswith("EHLO"):
                self._say("250-drill")
                self._say("250 8BITMIME")
            elif command.startswith("RCPT TO:"):
                recipients.append(line.decode("latin-1").strip()[8:].strip(" <>").lower())
                self._say("250 OK")
            elif command == "DATA":
                self._say("354 go ahead")
                body = bytearray()
                while (chunk := self.rfile.readline()) not in (b".\r\n", b".\n", b""):
                    body += chunk[1:] if chunk.startswith(b"..") else chunk
                subject = str(make_header(decode_header(email.message_from_bytes(bytes(body))["Subject"] or "")))
                with self.server.lock:
                    for r in recipients:
                        self.server.received[(r, subject)] += 1
                recipients = []
                self._say("250 OK queued")
            elif command == "QUIT":
                self._say("221 bye")
                return
            elif command.startswith("RSET"):
                recipients = []
                self._say("250 OK")
            else:  # HELO, MAIL FROM, NOOP
                self._say("250 OK")


# --- data -------------------------------------------------------------------------------------------


def _psql(sql):
    return subprocess.run(
        ["psql", DIRECT.rsplit("/", 1)[0] + "/postgres", "-Atqc", sql], check=True, capture_output=True, text=True
    ).stdout.strip()


def _source_stamp():
    """The migrations and the demo city as they are now: a seeded copy made from older ones is built again."""
    digest = hashlib.sha256()
    apps = ("accounts", "referrals", "safety", "patrols", "dashboards")
    for path in sorted(p for app in apps for p in Path(app).rglob("*.py")):
        if "migrations" in path.parts or "demo" in path.parts or path.name == "seed_demo.py":
            digest.update(str(path).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def _setup_database(env):
    """psw_drill afresh, copied from psw_drill_seed (migrated, demo city), which is built only when out of date."""
    stamp = _source_stamp()
    if _psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{SEED_DB}'") != stamp:
        _psql(f"DROP DATABASE IF EXISTS {SEED_DB} WITH (FORCE)")
        _psql(f"CREATE DATABASE {SEED_DB}")
        seed_env = {**env, "DATABASE_URL": DIRECT.rsplit("/", 1)[0] + "/" + SEED_DB}
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=seed_env)
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo"],
            check=True,
            env={**seed_env, "DEBUG": "true"},  # demo data is for development sites only
            stdout=subprocess.DEVNULL,
        )
        _psql(f"COMMENT ON DATABASE {SEED_DB} IS '{stamp}'")
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DB_NAME} TEMPLATE {SEED_DB}")
    # No session-level SET on connect: Django sets the time zone only when the server's differs.
    _psql(f"ALTER DATABASE {DB_NAME} SET timezone TO 'UTC'")
    manifest = Path("staticfiles/staticfiles.json")  # the pages need the hashed static files outside DEBUG
    newest = max(p.stat().st_mtime for p in Path("static").rglob("*") if p.is_file())
    if not manifest.exists() or manifest.stat().st_mtime < newest:
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], check=True, env=env)


def _build_deadlines(n):
    """``n`` submitted referrals cloned from the demo city's, one per team with someone to escalate to."""
    from django.db import connection

    from referrals.models import Referral
    from referrals.services.escalation import escalation_recipients

    templates, recipients = [], {}
    for r in Referral.objects.exclude(team=None).select_related("team").order_by("pk"):
        if r.team_id not in recipients:
            users = [u for u in escalation_recipients(referral=r, level=1) if u.is_active]
            if users:
                recipients[r.team_id] = {u.pk for u in users}
                templates.append(r.pk)
    overrides = {
        "reference": f"'{REFERENCE_PREFIX}' || lpad(g::text, 7, '0')",
        "status": "'submitted'",
        "filed_at": "now()",
        "updated_at": "now()",
        "acknowledged_at": "NULL",
        "accepted_at": "NULL",
        "first_contact_at": "NULL",
        "closed_at": "NULL",
        "assigned_worker_id": "NULL",
        "linked_to_id": "NULL",
        "outcome": "''",
        "outcome_summary": "''",
        "decline_reason": "''",
        "failure_reason": "''",
        "sla_cycle": "0",
        "sla_remaining": "NULL",
        # The second step falls due long after the drill: only step 1 is in play.
        "ack_due_at": "now() + interval '3 hours'",
        "escalate_at": "NULL",
        "escalation_level": "0",
    }
    columns = [f.column for f in Referral._meta.concrete_fields if f.column != "id"]
    select = ", ".join(overrides.get(c, f"t.{c}") for c in columns)
    with connection.cursor() as cursor:
        # Only the drill's deadlines and notices are in play: not the demo city's.
        cursor.execute("UPDATE referrals_referral SET escalate_at = NULL WHERE escalate_at IS NOT NULL")
        cursor.execute("UPDATE accounts_notification SET email_state = 'none' WHERE email_state = 'pending'")
        cursor.execute(
            f"INSERT INTO referrals_referral ({', '.join(columns)}) SELECT {select} "  # noqa: S608 - fixed names
            "FROM generate_series(0, %s - 1) g JOIN referrals_referral t ON t.id = (%s::bigint[])[g %% %s + 1]",
            [n, templates, len(templates)],
        )
    team_of = dict(Referral.objects.filter(reference__startswith=REFERENCE_PREFIX).values_list("pk", "team_id"))
    return {pk: recipients[team] for pk, team in team_of.items()}


def _set_deadlines(start, seconds):
    """Deadlines evenly from ``start`` over ``seconds``, in reference order."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE referrals_referral r SET escalate_at = %s + (n.i * %s / n.total) * interval '1 second' "
            "FROM (SELECT id, row_number() OVER (ORDER BY reference) - 1 AS i, count(*) OVER () AS total "
            "FROM referrals_referral WHERE reference LIKE %s) n WHERE r.id = n.id",
            [start, seconds, REFERENCE_PREFIX + "%"],
        )
    from referrals.models import Referral

    return dict(Referral.objects.filter(reference__startswith=REFERENCE_PREFIX).values_list("pk", "escalate_at"))


def _sessions():
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    def cookies(role):
        out = []
        for user in User.objects.filter(role=role, is_active=True).order_by("pk")[:4]:
            client = Client()
            client.force_login(user)
            out.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        return out

    return {"officer": cookies("officer"), "social_worker": cookies("social_worker")}


# --- observers ----------------------------------------------------------------------------------


class FiredWatcher(threading.Thread):
    """When each escalation row was first visible (committed), polled every second on a direct connection."""

    def __init__(self, referral_ids):
        super().__init__(daemon=True)
        self.wanted = set(referral_ids)
        self.seen: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self):
        import psycopg

        with psycopg.connect(DIRECT.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            while not self.stop.is_set():
                now = time.time()
                rows = conn.execute(
                    "SELECT referral_id FROM referrals_referralescalation WHERE level = 1 AND fired_at > now() - "
                    "interval '10 minutes'"
                ).fetchall()
                for (rid,) in rows:
                    if rid in self.wanted and rid not in self.seen:
                        self.seen[rid] = now
                self.stop.wait(1.0)


class WebClients:
    """Officers file referrals (Idempotency-Key, one retry with the same key) and workers read, through the proxy."""

    def __init__(self, sessions):
        self.sessions = sessions
        self.stop = threading.Event()
        self.statuses: Counter = Counter()  # (request, status) of every attempt
        self.created: set[int] = set()
        self.failed: list[str] = []  # requests that still failed after the retry
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(WEB_THREADS)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)

    def _client(self, role, i):
        s = requests.Session()
        csrf = "drillcsrftokendrillcsrftokendril"  # 32 characters: cookie and header match
        s.cookies.set("sessionid", self.sessions[role][i % len(self.sessions[role])])
        s.cookies.set("csrftoken", csrf)
        s.headers.update({"X-CSRFToken": csrf, "Referer": f"http://127.0.0.1:{PROXY_PORT}/"})
        return s

    def _call(self, s, name, method, path, **kw):
        url = f"http://127.0.0.1:{PROXY_PORT}{path}"
        response = None
        for attempt in (1, 2):
            try:
                response = s.request(method, url, timeout=30, **kw)
                status = response.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with self.lock:
                self.statuses[(name, status)] += 1
            if isinstance(status, int) and status < 500:
                return response
            if attempt == 1:
                time.sleep(0.5)
        with self.lock:
            self.failed.append(f"{name}: {status}")
        return None

    def _run(self, i):
        role = "officer" if i % 2 == 0 else "social_worker"
        s = self._client(role, i)
        ids = []
        while not self.stop.is_set():
            if role == "officer":
                body = {
                    "category": "family_conflict",
                    "level": random.choice([1, 2, 3]),
                    "incident_at": datetime.now(UTC).isoformat(),
                    "narrative": "Scale drill referral",
                    "persons": [
                        {"role": "subject", "name": "Drill Person", "phone": f"09{random.randrange(10**8):08d}"}
                    ],
                }
                r = self._call(
                    s, "POST /api/referrals/", "POST", "/api/referrals/", json=body,
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )  # fmt: skip
                if r is not None and r.status_code in (200, 201):
                    with self.lock:
                        self.created.add(r.json()["id"])
                self._call(s, "GET /referrals/mine/", "GET", "/referrals/mine/")
            else:
                r = self._call(s, "GET /api/referrals/", "GET", "/api/referrals/?status=submitted")
                if r is not None and r.status_code == 200:
                    ids = [x["id"] for x in r.json()["results"]] or ids
                if ids:
                    self._call(s, "GET /api/referrals/{id}/", "GET", f"/api/referrals/{random.choice(ids)}/")
                self._call(s, "GET /referrals/queue/", "GET", "/referrals/queue/")
            self.stop.wait(random.uniform(0.3, 0.8))


# --- the drill --------------------------------------------------------------------------------------


def _sweeping_worker(names, until):
    """The worker whose timer sweep has a batch claimed and not yet committed (its logs, then the database).

    Returns (worker, when its sweep was received, whether a batch was caught in flight)."""
    import psycopg

    offsets = dict.fromkeys(names, 0)
    running: dict[str, dict[str, float]] = {n: {} for n in names}
    with psycopg.connect(DIRECT.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        while time.time() < until:
            for name in names:
                with open(DIR / f"{name}.log", errors="replace") as log:
                    log.seek(offsets[name])
                    text = log.read()
                    offsets[name] = log.tell()
                for task in re.findall(r"sweep_timers\[([0-9a-f-]+)\] received", text):
                    running[name][task] = time.time()
                for task in re.findall(r"sweep_timers\[([0-9a-f-]+)\] (?:succeeded|raised)", text):
                    running[name].pop(task, None)
            busy = [n for n in names if running[n]]
            if busy and _batch_in_flight(conn):
                return busy[0], min(running[busy[0]].values()), True
            time.sleep(0.01)
    return names[0], time.time(), False


def _batch_in_flight(conn):
    """A sweep transaction between claiming its referrals and recording their steps (nothing committed yet)."""
    return conn.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = %s AND state IN ('active', "
        "'idle in transaction') AND (query LIKE '%%SKIP LOCKED%%' "
        "OR query LIKE 'INSERT INTO referrals_referralescalation%%'))",
        [DB_NAME],
    ).fetchone()[0]


def _percentiles(values):
    ordered = sorted(values)
    if not ordered:
        return {}

    def rank(p):  # nearest rank
        return ordered[min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "max": ordered[-1]}


def _fmt(stats):
    return ", ".join(f"{k} {v:.1f} s" for k, v in stats.items())


def _pgbouncer_stats():
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(PGBOUNCER_PORT),
            "-U",
            "postgres",
            "-AtF",
            "|",
            "pgbouncer",
            "-c",
            "SHOW STATS",
        ],
        capture_output=True,
        text=True,
    ).stdout
    for line in out.splitlines():
        cols = line.split("|")
        if cols[0] == DB_NAME:
            return {"transactions": int(cols[1]), "queries": int(cols[2])}
    return {}


def _server_connections():
    out = subprocess.run(
        ["psql", DIRECT.rsplit("/", 1)[0] + "/postgres", "-Atc",
         f"SELECT count(*) FROM pg_stat_activity WHERE datname = '{DB_NAME}'"],
        capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return int(out or 0)


def _interrupted(*_):
    raise KeyboardInterrupt


def _log(t0, message):
    print(f"[{time.time() - t0:6.0f} s] {message}", flush=True)


def main():  # noqa: PLR0915 - one drill, told in order
    t_start = time.time()
    duration = MINUTES * 60
    processes = Processes()
    signal.signal(signal.SIGTERM, _interrupted)
    _end_leftovers()
    shutil.rmtree(DIR, ignore_errors=True)
    DIR.mkdir(parents=True)
    busy = [p for p in (PGBOUNCER_PORT, PROXY_PORT, *WEB_PORTS) if not _port_free(p)]
    if busy:
        raise SystemExit(f"ports in use: {busy}")
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)
    sink = MailSink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    mail = {"EMAIL_URL": f"smtp://127.0.0.1:{sink.server_address[1]}"}
    direct_env = {**os.environ, **KEYS, **mail, "DATABASE_URL": DIRECT}
    app_env = {**direct_env, "DATABASE_URL": POOLED, "DATABASE_POOLING": "transaction", "CONN_MAX_AGE": "60"}

    _log(t_start, f"database {DB_NAME}: a copy of the migrated demo city ({SEED_DB})")
    _setup_database(direct_env)
    subprocess.run(["redis-cli", "-u", REDIS, "flushdb"], check=True, capture_output=True)  # the demo's e-mail tasks
    os.environ.update({k: v for k, v in direct_env.items() if k in {*KEYS, *mail, "DATABASE_URL"}})
    import django

    django.setup()
    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per session the drill signs in
    from config.celery import app

    interval = app.conf.beat_schedule["sweep-timers"]["schedule"]
    recipients = _build_deadlines(DEADLINES)
    sessions = _sessions()
    _log(t_start, f"{len(recipients)} referrals waiting; TIMER_SWEEP_INTERVAL {interval:.0f} s")

    watcher = clients = None
    try:
        _pgbouncer(processes)
        tz = subprocess.run(
            ["psql", POOLED.replace("postgres://", "postgresql://"), "-Atc", "SHOW timezone"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        for i, port in enumerate(WEB_PORTS, 1):
            processes.start(
                f"web{i}",
                [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2",
                 "--timeout", "30", "--access-logfile", "/dev/null", "--log-level", "warning"],
                app_env,
            )  # fmt: skip
        for i in (1, 2):
            processes.start(
                f"worker{i}",
                [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "celery,email", "-c", "2",
                 "-n", f"drill{i}@%h", "-l", "info", "--without-heartbeat", "--without-gossip", "--without-mingle"],
                app_env,
            )  # fmt: skip
        for i in (1, 2):
            processes.start(
                f"beat{i}",
                [sys.executable, "-m", "celery", "-A", "config", "beat", "-l", "warning",
                 "-s", str(DIR / f"beat{i}-schedule"), "--pidfile", str(DIR / f"beat{i}.pid")],
                app_env,
            )  # fmt: skip
        _haproxy(processes)
        for port in (*WEB_PORTS, PROXY_PORT):
            _wait_http(f"http://127.0.0.1:{port}/healthz")
        _log(t_start, f"up: pgbouncer :{PGBOUNCER_PORT} (timezone {tz}), web :{WEB_PORTS[0]} :{WEB_PORTS[1]} "
             f"behind haproxy :{PROXY_PORT}, 2 workers, 2 beats")  # fmt: skip

        start = datetime.now(UTC) + timedelta(seconds=5)
        due = _set_deadlines(start, duration)
        t0 = start.timestamp()
        watcher = FiredWatcher(due)
        watcher.start()
        clients = WebClients(sessions)
        clients.start()
        _log(t_start, f"{len(due)} deadlines from {start:%H:%M:%S} UTC over {duration / 60:g} min; web clients on")

        time.sleep(max(0.0, t0 + duration / 2 - time.time()))
        processes.kill("web1")
        processes.kill("beat1")
        victim, sweep_began, mid_sweep = _sweeping_worker(("worker1", "worker2"), until=time.time() + 3 * interval)
        processes.kill(victim)
        _log(t_start, f"killed with SIGKILL: gunicorn web1 (master and workers), beat1, {victim} "
             f"({'with a sweep batch in flight' if mid_sweep else 'no sweep batch caught in flight'})")  # fmt: skip

        time.sleep(max(0.0, t0 + duration - time.time()))
        clients.finish()
        _log(t_start, f"last deadline passed; {len(watcher.seen)} of {len(due)} escalations seen")
        until = time.time() + max(3 * interval, 120)
        while len(watcher.seen) < len(due) and time.time() < until:
            time.sleep(1)
        from accounts.models import Notification

        drill_notices = Notification.objects.filter(kind="escalation", title__startswith=REFERENCE_PREFIX)
        until = time.time() + 180  # the outbox sweep (every 60 s, rows older than 30 s) sends what a kill left
        while time.time() < until:
            received = sum(n for (_, subject), n in sink.received.items() if subject.startswith(REFERENCE_PREFIX))
            if (
                received >= drill_notices.exclude(email_state="none").count()
                and not drill_notices.filter(email_state="pending").exists()
            ):
                break
            time.sleep(2)
        watcher.stop.set()
        pool = _pgbouncer_stats()
        server_connections = _server_connections()
        _log(t_start, "counting")
    finally:
        if clients:
            clients.stop.set()
        processes.stop_all()
        sink.shutdown()

    from referrals.models import ReferralEscalation

    # Steps the killed sweep should have fired that a later sweep fired instead (its batch was rolled back).
    began = datetime.fromtimestamp(sweep_began, UTC)
    deferred = ReferralEscalation.objects.filter(
        referral_id__in=due, level=1, due_at__lte=began, fired_at__gt=began + timedelta(seconds=2)
    ).count()
    print(f"steps due before the killed sweep began ({began:%H:%M:%S} UTC) that a later sweep fired: {deferred}")
    return _report(due, recipients, watcher, clients, sink, interval, pool, server_connections, t0, t_start)


def _report(due, recipients, watcher, clients, sink, interval, pool, server_connections, t0, t_start):  # noqa: PLR0913
    from django.db.models import Count

    from accounts.models import Notification
    from referrals.models import Referral, ReferralEscalation, ReferralEvent

    steps = list(
        ReferralEscalation.objects.filter(referral_id__in=due).values_list("referral_id", "level", "due_at", "fired_at")
    )
    per_referral = Counter(rid for rid, level, _, _ in steps if level == 1)
    missing = [rid for rid in due if per_referral[rid] == 0]
    duplicate_steps = sum(n - 1 for n in per_referral.values() if n > 1)
    events = Counter(
        dict(
            ReferralEvent.objects.filter(referral_id__in=due, kind="escalated")
            .values_list("referral_id")
            .annotate(n=Count("pk"))
            .values_list("referral_id", "n")
        )
    )
    bad_events = sum(1 for rid in due if events[rid] != 1)
    reference_of = dict(Referral.objects.filter(pk__in=due).values_list("reference", "pk"))
    notices = list(
        Notification.objects.filter(kind="escalation", title__startswith=REFERENCE_PREFIX).values_list(
            "title", "recipient_id", "recipient__email", "email_state"
        )
    )
    got = Counter((reference_of.get(t.split(":")[0]), r) for t, r, _, _ in notices)
    wanted = Counter({(rid, u): 1 for rid, users in recipients.items() for u in users})
    notice_missing = sum((wanted - got).values())
    notice_extra = sum((got - wanted).values())
    with_email = [(e.lower(), t) for t, _, e, state in notices if state != "none"]
    mails = Counter({k: v for k, v in sink.received.items() if k[1].startswith(REFERENCE_PREFIX)})
    mails_missing = sum(1 for k in with_email if mails[k] == 0)
    mails_duplicate = sum(n - 1 for n in mails.values() if n > 1)
    not_sent = sum(1 for *_, state in notices if state not in ("sent", "none"))
    # Every e-mail of the run (filing notices too): received exactly as many times as there are notices.
    since = datetime.fromtimestamp(t0, UTC) - timedelta(seconds=5)
    all_notices = Counter(
        (e.lower(), t)
        for t, e in Notification.objects.filter(created_at__gte=since)
        .exclude(email_state="none")
        .values_list("title", "recipient__email")
    )
    all_mail_mismatch = sum(abs(sink.received[k] - n) for k, n in all_notices.items()) + sum(
        n for k, n in sink.received.items() if k not in all_notices
    )

    recorded = [(fired - due_at).total_seconds() for rid, level, due_at, fired in steps if level == 1]
    observed = [watcher.seen[rid] - due[rid].timestamp() for rid in due if rid in watcher.seen]
    lag_recorded, lag_observed = _percentiles(recorded), _percentiles(observed)

    attempts = sum(clients.statuses.values())
    errors_first = sum(
        n for (_, status), n in clients.statuses.items() if not (isinstance(status, int) and status < 500)
    )
    in_db = Referral.objects.filter(pk__in=clients.created).count()
    filed = Referral.objects.filter(
        filed_at__gte=since, created_by__role="officer", referring_officer__isnull=False
    ).exclude(reference__startswith=REFERENCE_PREFIX)

    checks = [
        ("every due step fired once", not missing and duplicate_steps == 0,
         f"{len(due)} due, {len(per_referral)} fired, {len(missing)} missing, {duplicate_steps} duplicates"),
        ("one escalation event per step", bad_events == 0, f"{len(due) - bad_events} referrals with exactly one event"),
        ("one notice per recipient and step", notice_missing == 0 and notice_extra == 0,
         f"{len(notices)} notices, {notice_missing} missing, {notice_extra} extra"),
        ("each escalation e-mail received once", mails_missing == 0 and mails_duplicate == 0 and not_sent == 0,
         f"{sum(mails.values())} received for {len(with_email)} notices; {mails_missing} missing, "
         f"{mails_duplicate} duplicates, {not_sent} not marked sent"),
        ("every e-mail of the run received once", all_mail_mismatch == 0,
         f"{sum(all_notices.values())} notices with e-mail, {sum(sink.received.values())} messages received, "
         f"{all_mail_mismatch} off"),
        ("web: no request failed after one retry", not clients.failed,
         f"{attempts} attempts, {errors_first} 5xx/connection errors on a first or second attempt, "
         f"{len(clients.failed)} failed after the retry {Counter(clients.failed).most_common(3)}"),
        ("web: each referral answered 201/200 is in the database once", in_db == len(clients.created) == filed.count(),
         f"{len(clients.created)} created by the clients, {in_db} found, {filed.count()} filed by officers in the run"),
        (f"escalation lag p99 <= {LAG_TARGET:.0f} s (recorded fired_at - due_at)",
         bool(lag_recorded) and lag_recorded["p99"] <= LAG_TARGET, _fmt(lag_recorded)),
        (f"escalation lag p99 <= {LAG_TARGET:.0f} s (row first seen committed - due_at, 1 s polling)",
         bool(lag_observed) and lag_observed["p99"] <= LAG_TARGET and len(observed) == len(due), _fmt(lag_observed)),
        ("through PgBouncer", bool(pool.get("transactions")),
         f"{pool.get('transactions', 0)} transactions, {pool.get('queries', 0)} queries in transaction mode; "
         f"{server_connections} server connections open at the end"),
    ]  # fmt: skip
    print()
    print(f"scale drill: {len(due)} deadlines over {MINUTES:g} min, TIMER_SWEEP_INTERVAL {interval:.0f} s, "
          f"2 gunicorn behind haproxy, 2 workers, 2 beats, PgBouncer transaction mode")  # fmt: skip
    print(
        "web requests by status: "
        + ", ".join(f"{k[0]} {k[1]}: {v}" for k, v in sorted(clients.statuses.items(), key=str))
    )
    for name, ok, detail in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}")
    passed = all(ok for _, ok, _ in checks)
    print(f"\nscale drill: {'PASS' if passed else 'FAIL'} ({sum(ok for _, ok, _ in checks)}/{len(checks)}) "
          f"in {(time.time() - t_start) / 60:.1f} min; logs in {DIR}")  # fmt: skip
    return 0 if passed else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; processes stopped", file=sys.stderr)
        sys.exit(130)
