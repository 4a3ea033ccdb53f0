"""Run gunicorn on loopback and 50 locust users for 60 s; check 5xx and created rows (``scripts/load``)."""

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/psw_bench")
PORT = int(os.environ.get("LOAD_PORT", "8765"))
USERS, SECONDS, WORKERS = int(os.environ.get("LOAD_USERS", "50")), int(os.environ.get("LOAD_SECONDS", "60")), 4


def _django():
    os.environ.update(DATABASE_URL=DB, DJANGO_SETTINGS_MODULE="config.settings")
    import django

    django.setup()


def _sessions():
    """Signed-in sessions of 50 officers and 50 workers (API tokens are for integration accounts only)."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    def cookies(prefix):
        out = []
        for user in User.objects.filter(username__startswith=prefix)[:50]:
            client = Client()
            client.force_login(user)
            out.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
        return out

    return {"officers": cookies("bofficer"), "workers": cookies("bworker")}


def _rss_mb(pids):
    out = {}
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS"):
                    out[pid] = round(int(line.split()[1]) / 1024, 1)
        except FileNotFoundError:
            pass
    return out


def main():
    env = {
        **os.environ,
        "DATABASE_URL": DB,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "load-test",
        # The bench data set is built with config.settings_test: read it with the same keys.
        "FIELD_ENCRYPTION_KEYS": "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0tMzJieXQ=",
        "SEARCH_HASH_KEY": "test-search-hash-key-not-for-production",
        "DEBUG": "false",
        "SECURE": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "REDIS_URL": "",
    }
    env.pop("REDIS_URL")
    os.environ.update(env)
    _django()
    from referrals.models import Referral

    sessions = _sessions()
    before = Referral.objects.count()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(WORKERS),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        for _ in range(50):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        workdir = tempfile.mkdtemp()
        summary = Path(workdir) / "summary.json"
        locust = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                "benchmarks/locustfile.py",
                "--headless",
                "-u",
                str(USERS),
                "-r",
                "10",
                "-t",
                f"{SECONDS}s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--csv",
                f"{workdir}/load",
                "--only-summary",
                "--stop-timeout",
                "20",
            ],
            env={**env, "LOAD_SESSIONS": json.dumps(sessions), "LOAD_SUMMARY": str(summary)},
            capture_output=True,
            text=True,
        )
        workers = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        rss = _rss_mb(workers)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    stats = list(csv.DictReader(open(f"{workdir}/load_stats.csv")))
    total = next(r for r in stats if r["Name"] == "Aggregated")
    created = json.loads(summary.read_text())
    after = Referral.objects.count()
    result = {
        "users": USERS,
        "seconds": SECONDS,
        "gunicorn_workers": WORKERS,
        "requests": int(total["Request Count"]),
        "failures": int(total["Failure Count"]),
        "throughput_rps": round(float(total["Requests/s"]), 1),
        "p50_ms": total["50%"],
        "p95_ms": total["95%"],
        "p99_ms": total["99%"],
        "server_errors_5xx": created["server_errors"],
        "created_responses": created["created_ok"],
        "referrals_added_in_db": after - before,
        "worker_rss_mb": rss,
    }
    result["counts_match"] = result["created_responses"] == result["referrals_added_in_db"]
    print(json.dumps(result, indent=2))
    print(locust.stdout[-3000:])
    Path("docs").mkdir(exist_ok=True)
    Path(os.environ.get("LOAD_RESULTS", "docs/load-results.json")).write_text(json.dumps(result, indent=2))
    ok = result["server_errors_5xx"] == 0 and result["failures"] == 0 and result["counts_match"]
    # The performance issue's targets for the same 50-user mix.
    targets = {
        "throughput ≥ 150 requests/s": result["throughput_rps"] >= 150,
        "p95 ≤ 400 ms": float(result["p95_ms"]) <= 400,
        "0 errors": ok,
    }
    result["targets"] = targets
    Path(os.environ.get("LOAD_RESULTS", "docs/load-results.json")).write_text(json.dumps(result, indent=2))
    for name, met in targets.items():
        print(f"{'met ' if met else 'MISS'} {name}")
    print("LOAD", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
