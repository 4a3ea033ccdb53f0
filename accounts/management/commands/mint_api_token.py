from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from accounts import services
from accounts.models import User


class Command(BaseCommand):
    help = "Mint an API token for an integration account and print it once (only its hash is stored)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--days", type=int, default=None, help="Days until it expires (default API_TOKEN_DAYS).")

    def handle(self, *args, username, days=None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        try:
            token = services.mint_api_token(user=user, days=days)
        except (PermissionDenied, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stderr.write(f"Token for {username}; it is shown only now and expires in {days or 'the default'} days:")
        self.stdout.write(token)
