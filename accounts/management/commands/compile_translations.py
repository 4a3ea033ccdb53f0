from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand

SKIP_DIRS = {".venv", "venv", "node_modules", "staticfiles", ".git"}


def project_catalogs(base=None):
    base = Path(base or settings.BASE_DIR)
    for po in sorted(base.rglob("django.po")):
        if not SKIP_DIRS.intersection(po.relative_to(base).parts):
            yield po


class Command(BaseCommand):
    help = "Compile the project's .po catalogs to .mo in pure Python (no gettext needed)."
    requires_system_checks = []  # runs at image build time, before any key is configured

    def handle(self, *args, **options):
        for po_path in project_catalogs():
            catalog = polib.pofile(str(po_path))
            catalog.save_as_mofile(str(po_path.with_suffix(".mo")))
            self.stdout.write(
                f"compiled {po_path.relative_to(settings.BASE_DIR)} ({catalog.percent_translated()}% translated)"
            )
