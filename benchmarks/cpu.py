"""The web process's own cost per page on the bench data: ``python -m benchmarks.cpu URL USER [RUNS]``.

Wall time on a shared 2-core machine moves with whatever else runs. This prints the process's CPU
time per request (minimum and median of RUNS) and the number of Python function calls per request,
which does not depend on the machine's load at all: the figure to compare before and after a change.
"""

import cProfile
import os
import pstats
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/psw_bench")


def calls_per_request(client, url, runs=5):
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        client.get(url)
    profiler.disable()
    return pstats.Stats(profiler).total_calls // runs


def main(url, username, runs=30):
    import django

    django.setup()
    from benchmarks.measure import _client

    client = _client(username)
    assert client.get(url).status_code == 200
    cpu = []
    for _ in range(int(runs)):
        start = time.process_time()
        client.get(url)
        cpu.append((time.process_time() - start) * 1000)
    print(
        f"{url} as {username}: cpu min {min(cpu):.1f} ms, median {statistics.median(cpu):.1f} ms; "
        f"{calls_per_request(client, url):,} function calls per request"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
