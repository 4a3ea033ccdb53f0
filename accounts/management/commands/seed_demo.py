from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts import demo


class Command(BaseCommand):
    help = "Create (or refresh) the demo world: organisations, districts, users for every role, on-call shifts."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            # Demo users share one published password: never on a site that holds real cases.
            raise CommandError("seed_demo creates users with a published password; it runs only with DEBUG on.")
        world = demo.seed()
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Sign in with any of these (password for all: %s):" % demo.DEMO_PASSWORD
            )
        )
        for username, person in world["people"].items():
            org = person.organization.name if person.organization else "-"
            self.stdout.write(f"  {username:<14} {person.get_role_display():<22} {org}")
        self.stdout.write("Demo records:")
        for label, value in demo.summarise():
            self.stdout.write(f"  {label:<38} {value}")
