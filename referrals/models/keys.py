"""Search keys: phones, addresses and names normalised, ID numbers hashed with a key of their own."""

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings


def normalise_phone(value):
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("886") and len(digits) > 9:
        digits = "0" + digits[3:]
    if digits.startswith("852") and len(digits) == 11:
        digits = digits[3:]
    return digits


_ADDRESS_NOISE = re.compile(r"[\s,，.。、\-－—/／()（）#]+")


def normalise_address(value):
    """Fold width, case, spacing and punctuation, and unify 台/臺 so the same place matches."""
    text = unicodedata.normalize("NFKC", value or "").lower().replace("臺", "台")
    return _ADDRESS_NOISE.sub("", text)


def normalise_name(value):
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or "")).lower()


def id_number_hash(value):
    """Keyed hash of a national ID number: exact search without storing it in clear."""
    cleaned = re.sub(r"[\s-]", "", (value or "")).upper()
    if not cleaned:
        return ""
    return hmac.new(settings.SEARCH_HASH_KEY.encode(), cleaned.encode(), hashlib.sha256).hexdigest()
