import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _clean_cache():
    from accounts import tasks

    cache.clear()
    tasks._broker_down_until = 0.0  # a test that broke the broker must not mute the next one's e-mails
    yield
    cache.clear()


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
