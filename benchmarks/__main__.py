"""python -m benchmarks: rebuild the bench database, load the data set, measure, write the JSON."""

import json
import os
import subprocess
import sys
import time

DB = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/psw_bench")


def main():
    name = DB.rsplit("/", 1)[1]
    admin = DB.rsplit("/", 1)[0] + "/postgres"
    reuse = os.environ.get("BENCH_REUSE") == "1"  # measure again on the data set already built
    if not reuse:
        for sql in (f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", f"CREATE DATABASE {name}"):
            subprocess.run(["psql", admin, "-qc", sql], check=True)
    env = {**os.environ, "DATABASE_URL": DB, "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], check=True, env=env)
    os.environ.update(env)
    import django

    django.setup()
    from benchmarks import build, measure

    timings = {}
    if not reuse:
        start = time.perf_counter()
        timings = build.build()
        print("data set built in %.1f s: %s" % (time.perf_counter() - start, json.dumps(timings)))
    results = measure.run(os.environ.get("BENCH_RESULTS", "docs/bench-results.json"))
    results["build_seconds"] = timings
    with open(os.environ.get("BENCH_RESULTS", "docs/bench-results.json"), "w") as fh:
        json.dump(results, fh, indent=2, default=str)


if __name__ == "__main__":
    main()
