"""Medians and percentiles in the database (PostgreSQL) or in Python (SQLite), and small formatting helpers."""

from django.db import connection
from django.db.models import Aggregate, DurationField, ExpressionWrapper, F


class Percentile(Aggregate):
    """PostgreSQL's percentile_cont(p) WITHIN GROUP (ORDER BY expr)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(percentile)s) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, expression, percentile, **extra):
        super().__init__(expression, percentile=percentile, output_field=DurationField(), **extra)


def database_percentiles():
    """PostgreSQL computes percentiles itself; elsewhere (the embedded SQLite) Python does."""
    return connection.vendor == "postgresql"


def percentile(values, p):
    """``percentile_cont``: linear interpolation between the closest ranks of the sorted values."""
    values = sorted(values)
    if not values:
        return None
    position = p * (len(values) - 1)
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (position - low)


def _duration(end, start):
    return ExpressionWrapper(F(end) - F(start), output_field=DurationField())


def _pct(part, whole):
    return round(100 * part / whole, 1) if whole else None
