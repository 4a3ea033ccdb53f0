"""Run functions at the same moment in threads, each with its own database connection."""

import threading

from django.db import connection


def run_concurrently(*calls, timeout=30):
    """Start every call together (behind a barrier) and return their results in order.

    An exception in a call is returned in its place, so a test can assert on it.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - handed back to the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    if any(t.is_alive() for t in threads):
        raise TimeoutError("a concurrent call did not finish")
    return results
