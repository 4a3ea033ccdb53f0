"""Reference counters move to accounts (one row per prefix and year); the numbers carry on."""

from django.db import migrations

# The old table kept every record type's counter in one row per year: year * 10 + slot (slot 0: "R").
SLOTS = {0: "R", 1: "H", 2: "PV", 3: "MP"}


def copy_counters(apps, schema_editor):
    Old = apps.get_model("referrals", "ReferenceCounter")
    New = apps.get_model("accounts", "ReferenceCounter")
    for row in Old.objects.all():
        year, slot = (row.year, 0) if row.year < 10000 else divmod(row.year, 10)
        New.objects.update_or_create(prefix=SLOTS[slot], year=year, defaults={"last": row.last})


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0008_reference_counters"),
        ("referrals", "0006_approval_events"),
    ]

    operations = [
        migrations.RunPython(copy_counters, migrations.RunPython.noop),
        migrations.DeleteModel(name="ReferenceCounter"),
    ]
