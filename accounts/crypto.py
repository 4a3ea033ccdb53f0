"""Encryption of sensitive fields (national ID numbers) with keys of their own.

``FIELD_ENCRYPTION_KEYS`` are Fernet keys (``Fernet.generate_key()``), independent of
``SECRET_KEY``: the first encrypts, every key decrypts. A value that no key can decrypt is an
error (``DecryptionError``), never shown as if it were the value. Rotation: put a new key first,
run ``manage.py reencrypt_fields``, then remove the old key (README, "Rotating keys").
"""

import base64
import contextlib
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_extra_decrypt_keys: tuple = ()


class DecryptionError(Exception):
    """Stored ciphertext that none of FIELD_ENCRYPTION_KEYS can decrypt (a key was removed or changed)."""


@functools.lru_cache(maxsize=8)
def _fernet(keys, extra):
    try:
        return MultiFernet([Fernet(k) for k in keys] + [Fernet(k) for k in extra])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS: each key must be 32 url-safe base64-encoded bytes "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        ) from exc


def fernet():
    keys = tuple(getattr(settings, "FIELD_ENCRYPTION_KEYS", None) or ())
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is not set.")
    return _fernet(keys, _extra_decrypt_keys)


def check_keys():
    """Raise ImproperlyConfigured unless every configured key is a usable Fernet key."""
    fernet()


def encrypt(text):
    return fernet().encrypt(str(text).encode("utf-8")).decode("ascii")


def decrypt(token):
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, ValueError) as exc:
        # Say nothing of the value: the message may end up in a log or an error page.
        raise DecryptionError(
            "A stored value could not be decrypted with any of FIELD_ENCRYPTION_KEYS "
            "(a key was removed or changed; see README, Rotating keys)."
        ) from exc


def legacy_keys(salts):
    """Keys of the former scheme (django-fernet-encrypted-fields: PBKDF2 of SECRET_KEY and its fallbacks,
    salted with each entry of the old FIELD_ENCRYPTION_KEYS), to read rows written before the change."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

    keys = []
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        for salt in salts:
            kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=salt.encode(), iterations=100_000)
            keys.append(base64.urlsafe_b64encode(kdf.derive(secret.encode())).decode())
    return keys


@contextlib.contextmanager
def also_decrypt_with(keys):
    """Accept further keys for decryption only (never for encryption), e.g. while re-encrypting."""
    global _extra_decrypt_keys
    previous = _extra_decrypt_keys
    _extra_decrypt_keys = previous + tuple(keys)
    try:
        yield
    finally:
        _extra_decrypt_keys = previous


class EncryptedCharField(models.CharField):
    """A CharField stored as Fernet ciphertext (a text column). Not searchable: keep a keyed hash beside it."""

    def get_internal_type(self):
        return "TextField"

    def db_type(self, connection):
        return models.TextField().db_type(connection)

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return None
        return encrypt(value)


def encrypted_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedCharField)]


def check_configuration(app_configs=None, **kwargs):
    """System check: the encryption and search keys are usable and are not SECRET_KEY."""
    from django.core.checks import Error

    errors = []
    try:
        check_keys()
    except ImproperlyConfigured as exc:
        errors.append(Error(str(exc), id="accounts.E001"))
    if settings.SECRET_KEY in (settings.SEARCH_HASH_KEY, *getattr(settings, "FIELD_ENCRYPTION_KEYS", ())):
        errors.append(
            Error("FIELD_ENCRYPTION_KEYS and SEARCH_HASH_KEY must differ from SECRET_KEY.", id="accounts.E002")
        )
    return errors
