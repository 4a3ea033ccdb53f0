from django.core.management.base import BaseCommand

from accounts import retention


class Command(BaseCommand):
    help = "Anonymise or delete records past their retention period (legal holds excepted) and report counts."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; change nothing.")

    def handle(self, *args, dry_run=False, **options):
        run = retention.run(dry_run=dry_run)
        for name, counts in run.report.items():
            self.stdout.write(f"{name:<18} " + ", ".join(f"{k}: {v}" for k, v in counts.items()))
