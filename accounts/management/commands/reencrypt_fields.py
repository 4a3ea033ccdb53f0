from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts import crypto


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the first of FIELD_ENCRYPTION_KEYS and recompute the search "
        "hashes (a field <name>_key next to an encrypted field <name>, set by the model's save()) with the "
        "current SEARCH_HASH_KEY. Run after putting a new key first or changing SEARCH_HASH_KEY; then the "
        "old key can be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument(
            "--legacy-salt",
            action="append",
            default=[],
            metavar="SALT",
            help="Also read values written by the former scheme (keys derived from SECRET_KEY and its "
            "fallbacks with this salt, the former FIELD_ENCRYPTION_KEYS entry). Repeatable.",
        )

    def handle(self, *args, batch=500, legacy_salt=(), **options):
        crypto.check_keys()
        with crypto.also_decrypt_with(crypto.legacy_keys(legacy_salt) if legacy_salt else ()):
            for model in apps.get_models():
                fields = [f.name for f in crypto.encrypted_fields(model)]
                if not fields:
                    continue
                names = {f.name for f in model._meta.concrete_fields}
                update = fields + [f"{name}_key" for name in fields if f"{name}_key" in names]
                count = self._rewrite(model, update, batch)
                self.stdout.write(f"{model._meta.label}: {count} rows re-encrypted ({', '.join(update)})")

    @staticmethod
    def _rewrite(model, update, batch):
        count, last = 0, 0
        manager = model._base_manager
        while True:
            with transaction.atomic():
                rows = list(manager.select_for_update().filter(pk__gt=last).order_by("pk")[:batch])
                for row in rows:
                    row.save(update_fields=update)  # reading decrypted with any key; saving encrypts with the first
                count += len(rows)
            if len(rows) < batch:
                return count
            last = rows[-1].pk
