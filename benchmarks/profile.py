"""Profile one page on the bench data: ``python -m benchmarks.profile URL [USERNAME] [RUNS]``.

Prints the functions where the server spends its time (cProfile, cumulative and own time),
the profile that justifies each change recorded in docs/performance.md.
"""

import cProfile
import io
import os
import pstats
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/psw_bench")


def main(url, username="bworker0", runs=20, limit=35):
    import django

    django.setup()
    from benchmarks.measure import _client

    client = _client(username)
    assert client.get(url).status_code == 200
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(limit)
        print(out.getvalue())


def queries(url, username="bworker0"):
    """The page's SQL statements, slowest first (``python -m benchmarks.profile --sql URL [USER]``)."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from benchmarks.measure import _client

    client = _client(username)
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    ranked = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    for q in ranked:
        print(f"{float(q['time']) * 1000:8.1f} ms  {q['sql'][:600]}\n")
    if os.environ.get("EXPLAIN"):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + ranked[0]["sql"])
            print(ranked[0]["sql"], "\n")
            print("\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[0] == "--sql":
        sys.exit(queries(*args[1:3]))
    main(args[0], *(args[1:2] or []), *[int(a) for a in args[2:3]])
