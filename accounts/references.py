"""Reference numbers of every record type: PREFIX-YYYY-NNNNNN, one counter per prefix and year."""

from django.db import connection

from accounts.models import ReferenceCounter

PREFIXES = {
    "R": "referral",
    "H": "hazard event",
    "PV": "patrol visit",
    "MP": "missing person report",
}


def next_reference(*, prefix: str, year: int) -> str:
    """The next reference for ``prefix`` in ``year``: one atomic statement, safe under concurrent filing."""
    if prefix not in PREFIXES:
        raise ValueError(f"Unknown reference prefix {prefix!r}")
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "  # noqa: S608 - table name from the model
            f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [prefix, year],
        )
        number = cursor.fetchone()[0]
    return f"{prefix}-{year}-{number:06d}"
