import faulthandler
import os
import tempfile
from pathlib import Path

import pytest
from django.core.cache import cache

from tests import factories

# pytest-timeout (pyproject.toml: 180 s a test, thread method) fails a slow or stuck test with the
# stack of every thread. It runs in Python, so it cannot fire when a thread holds the GIL while
# blocked in C (how the SQLite deadlock below froze the suite). This second limit is kept by the
# interpreter in C: past it, every thread's stack is written to stderr and the run ends (exit 1).
HARD_LIMIT_SECONDS = 300


HARD_LIMIT_STDERR = pytest.StashKey()


def pytest_configure(config):
    # A copy of the real stderr, taken while output capture is suspended, for the dump.
    config.stash[HARD_LIMIT_STDERR] = os.fdopen(os.dup(2), "w")
    if os.environ.get("DATABASE_REPLICA_URL"):
        # A real streaming replica: tests commit and requests wait for it to replay (tests/replica_drill.py).
        config.pluginmanager.import_plugin("tests.replica_drill")


def pytest_unconfigure(config):
    faulthandler.cancel_dump_traceback_later()
    config.stash[HARD_LIMIT_STDERR].close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    if item.config.getoption("usepdb", False):  # a developer at the debugger prompt is not a hang
        return (yield)
    faulthandler.dump_traceback_later(HARD_LIMIT_SECONDS, exit=True, file=item.config.stash[HARD_LIMIT_STDERR])
    try:
        return (yield)
    finally:
        faulthandler.cancel_dump_traceback_later()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """On SQLite the test database is a file, never shared memory.

    An in-memory test database exists only through one connection, which the live server of the
    browser tests then shares among its request threads. A page with three chart images makes three
    threads use that one sqlite3 connection at once, and when a query calls a Python function
    (Django's SQLite date truncation, durations) Python's sqlite3 module deadlocks: one thread holds
    SQLite's connection mutex waiting for the GIL, another holds the GIL waiting for the mutex.
    The whole process then freezes, no Python timeout can fire. With a file, every thread has its
    own connection, as in the embedded server itself.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        name = Path(tempfile.gettempdir()) / f"psw-test-{os.getpid()}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(name)
        # A throwaway database: no need to wait for the disk on every commit.
        db.setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"


@pytest.fixture(autouse=True)
def _clean_cache():
    from accounts import sms, tasks

    cache.clear()
    tasks._broker_down_until = 0.0  # a test that broke the broker must not mute the next one's e-mails
    sms.outbox.clear()  # texts the locmem SMS backend sent in an earlier test
    yield
    cache.clear()


@pytest.fixture
def english(client, settings):
    """Pages, messages and notices in English: the default language, the client's language cookie and the
    active translation. The Traditional Chinese catalog is checked on its own (tests/test_project.py)."""
    from django.utils import translation

    settings.LANGUAGE_CODE = "en"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def password():
    return factories.PASSWORD


@pytest.fixture
def login(client):
    """Sign a user in through the real login form (axes, session, language cookie)."""

    def _login(user, c=None):
        c = c or client
        c.force_login(user)
        return c

    return _login


def pytest_collection_modifyitems(config, items):
    """Tests marked ``postgres`` need row locks and triggers: skipped on the embedded SQLite."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
