import pytest
from django.core.cache import cache

from tests import factories


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
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
