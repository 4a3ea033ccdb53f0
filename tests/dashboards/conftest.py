import pytest


@pytest.fixture(autouse=True)
def _in_english(english):
    """Every test here reads English (the ``english`` fixture, tests/conftest.py)."""
