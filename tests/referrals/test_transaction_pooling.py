"""Behind PgBouncer in transaction mode nothing may outlive a transaction (DATABASE_POOLING=transaction).

Consecutive transactions of one client can run on different server connections, so session state
(``SET`` without ``LOCAL``, ``set_config(…, false)``, session-level advisory locks, ``LISTEN``,
temporary tables, prepared statements, holdable cursors) silently applies to someone else's
connection. The main paths (filing through the API, the timer sweeps, the outbox, pages) are run
with every statement recorded, and the source is searched for such statements on paths not run here.
"""

import ast
import json
import re
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from accounts import outbox, timers
from accounts.models import Notification
from referrals.models import Referral, ReferralEscalation

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "referrals", "safety", "patrols", "dashboards", "config")

# SQL keywords as written in this code base (upper case, so prose such as "Reset links…" is not SQL);
# function names in any case.
SESSION_STATE = re.compile(
    r"^\s*(SET\s+(?!LOCAL\b|CONSTRAINTS\b|TRANSACTION\b)|RESET\b|DISCARD\b|LISTEN\b|UNLISTEN\b|PREPARE\b|DEALLOCATE\b|"
    r"CREATE\s+(GLOBAL\s+|LOCAL\s+)?TEMP(ORARY)?\b|DECLARE\b.*\bWITH\s+HOLD\b)"
    r"|(?i:\bpg_(try_)?advisory_(un)?lock(_shared)?\s*\()"
    r"|(?i:\bset_config\s*\([^)]*,\s*false\s*\))",
    re.DOTALL,
)
TRANSACTION_STATE = re.compile(
    r"^\s*SET\s+(LOCAL|CONSTRAINTS|TRANSACTION)\b"
    r"|(?i:\bpg_(try_)?advisory_xact_lock(_shared)?\s*\()"
    r"|(?i:\bset_config\s*\([^)]*,\s*true\s*\))",
    re.DOTALL,
)


def pooling_problem(sql: str, *, in_transaction: bool) -> str:
    """Why ``sql`` is wrong behind a transaction pooler ("" when it is fine)."""
    if SESSION_STATE.search(sql):
        return "session state"
    if TRANSACTION_STATE.search(sql) and not in_transaction:
        return "transaction-scoped state outside a transaction (it ends with the statement)"
    return ""


@pytest.mark.parametrize(
    ("sql", "in_transaction", "problem"),
    [
        ("SELECT pg_advisory_lock(42)", True, True),
        ("select pg_try_advisory_lock(%s)", True, True),
        ("SET statement_timeout = 0", True, True),
        ("SELECT set_config('TimeZone', 'UTC', false)", True, True),
        ("LISTEN escalations", True, True),
        ("CREATE TEMP TABLE t (id int)", True, True),
        ("SELECT pg_advisory_xact_lock(42)", True, False),
        ("SELECT pg_advisory_xact_lock(42)", False, True),
        ("SET LOCAL lock_timeout = '2s'", True, False),
        ("SET LOCAL lock_timeout = '2s'", False, True),
        ("SET CONSTRAINTS ALL IMMEDIATE", True, False),
        ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", True, True),
        ("UPDATE referrals_referral SET escalate_at = NULL", False, False),
    ],
)
def test_the_check_tells_session_state_from_transaction_state(sql, in_transaction, problem):
    assert bool(pooling_problem(sql, in_transaction=in_transaction)) is problem


class Recorder:
    def __init__(self):
        self.problems = []
        self.statements = 0

    def __call__(self, execute, sql, params, many, context):
        self.statements += 1
        why = pooling_problem(str(sql), in_transaction=context["connection"].in_atomic_block)
        if why:
            self.problems.append((why, str(sql)[:200]))
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
def test_filing_sweeps_outbox_and_pages_keep_no_session_state(world, login, client, django_capture_on_commit_callbacks):
    recorder = Recorder()
    login(world.officer)
    with connection.execute_wrapper(recorder), django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/referrals/",
            data=json.dumps(
                {
                    "category": "family_conflict",
                    "level": 2,
                    "incident_at": timezone.now().isoformat(),
                    "narrative": "Argument overheard by a neighbour.",
                    "persons": [{"role": "subject", "name": "Lin Mei", "phone": "0912345678"}],
                }
            ),
            content_type="application/json",
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert response.status_code == 201
        referral = Referral.objects.get(pk=response.json()["id"])
        Referral.objects.filter(pk=referral.pk).update(escalate_at=timezone.now() - timedelta(minutes=1))
        timers.run_all()
        outbox.deliver_pending_emails(older_than=timedelta(0))
        login(world.supervisor)
        for page in (f"/referrals/{referral.pk}/", "/referrals/queue/", "/referrals/escalations/"):
            assert client.get(page).status_code == 200
    assert ReferralEscalation.objects.filter(referral=referral, level=1).count() == 1
    assert Notification.objects.filter(kind="escalation", recipient=world.supervisor).exists()
    assert recorder.statements > 20
    assert recorder.problems == []


def _string_constants(path: Path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):
            yield node.lineno, "".join(v.value for v in node.values if isinstance(v, ast.Constant))


def test_no_session_level_statement_in_the_source():
    """Paths the test above does not run: any SQL text in the apps that would keep session state."""
    found = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            for line, text in _string_constants(path):
                if SESSION_STATE.search(text):
                    found.append(f"{path.relative_to(ROOT)}:{line}: {text[:80]!r}")
    assert found == []


def test_transaction_pooling_settings():
    """No server-side cursors and no prepared statements when DATABASE_POOLING=transaction."""
    code = (
        "import json, os; from django.conf import settings as s; d = s.DATABASES[os.environ.get('ALIAS', 'default')]; "
        "o = d.get('OPTIONS', {}); "
        "print(json.dumps([d.get('DISABLE_SERVER_SIDE_CURSORS'), o.get('prepare_threshold', 'unset')]))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "DATABASE_URL": "postgres://u@127.0.0.1:6432/db",
        "PATH": "/usr/bin:/bin",
    }

    def read(**extra):
        out = subprocess.run(
            [sys.executable, "-c", code], env={**env, **extra}, cwd=ROOT, capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])

    assert read(DATABASE_POOLING="transaction") == [True, None]
    assert read() == [None, "unset"]
    replica = {"DATABASE_POOLING": "transaction", "DATABASE_REPLICA_URL": "postgres://u@127.0.0.1:6433/db"}
    assert read(**replica, ALIAS="replica") == [True, None]
