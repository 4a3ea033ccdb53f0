"""The suite against a real streaming replica (DATABASE_REPLICA_URL set, as in scripts/scale-replica).

A physical replica sees only what the primary has committed, so in this mode every database test
commits (``transaction=True``; the test database is emptied after each test, on the primary) and
every request first waits until the replica has replayed the primary's WAL up to that moment: a
page then reads from the replica exactly what the test created, and its figures are compared with
counts the test makes on the primary. Loaded by tests/conftest.py only when the URL is set.
"""

import statistics
import time

import pytest
from django.core.signals import request_started
from django.db import connections

REPLAY_TIMEOUT = 15.0  # seconds a request waits for the replica before the test fails
_waits: list[float] = []
_replica_statements = [0]


def pytest_collection_modifyitems(items):
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None:
            continue
        kwargs = {**marker.kwargs, "transaction": True, "databases": ["default", "replica"]}
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


def _scalar(alias, sql, params=()):
    # The wait is not part of the request: a cursor of the driver's own, so no query count or
    # statement recorder of a test sees it.
    connection = connections[alias]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def wait_for_replica(**kwargs):
    """Block until the replica has replayed everything the primary has written so far."""
    start = time.perf_counter()
    target = _scalar("default", "SELECT pg_current_wal_lsn()")
    while not _scalar("replica", "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]):
        if time.perf_counter() - start > REPLAY_TIMEOUT:
            raise AssertionError(f"the replica did not replay up to {target} within {REPLAY_TIMEOUT} s")
        time.sleep(0.002)
    _waits.append(time.perf_counter() - start)


def _count_replica_statement(execute, sql, params, many, context):
    _replica_statements[0] += 1
    return execute(sql, params, many, context)


@pytest.fixture(scope="session", autouse=True)
def _replica_is_the_real_one(django_db_setup, django_db_blocker):
    """Point the replica alias at the real replica's copy of the test database.

    settings_test.py makes the alias a test mirror (nothing is created or migrated on a read-only
    server); the primary created and migrated the test database, and replication brought it over."""
    from django.conf import settings

    real = settings.DATABASES["replica"]  # still the replica's address: mirroring replaced the connection's copy
    replica, default = connections["replica"], connections["default"]
    replica.close()
    replica.settings_dict = {**default.settings_dict, "HOST": real["HOST"], "PORT": real["PORT"]}
    with django_db_blocker.unblock():
        if not _scalar("replica", "SELECT pg_is_in_recovery()"):
            raise pytest.UsageError(f"DATABASE_REPLICA_URL ({real['HOST']}:{real['PORT']}) is not a standby server")
        replica.execute_wrappers.append(_count_replica_statement)
    request_started.connect(wait_for_replica)
    yield
    request_started.disconnect(wait_for_replica)
    replica.close()  # before the primary drops the test database, which the replica then replays


def pytest_terminal_summary(terminalreporter):
    if not _waits:
        return
    terminalreporter.write_line(
        "replica drill: %d statements answered by the replica; %d requests waited for replay, "
        "median %.1f ms, max %.1f ms"
        % (_replica_statements[0], len(_waits), statistics.median(_waits) * 1000, max(_waits) * 1000)
    )
