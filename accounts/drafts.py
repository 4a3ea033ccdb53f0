"""Drafts: what a user typed into a long form, kept on the server until the form is sent.

A draft belongs to one user and one form key. Keys are an allow-list: each app registers the
kinds it offers (``register``), e.g. ``referral-file`` or ``note:<referral id>``; a kind with an
id checks that the user may see that record, and a record they cannot see answers like a missing
one. The values are stored encrypted (``accounts.crypto``), a draft is at most ``MAX_BYTES``, a
user keeps at most ``MAX_PER_USER`` drafts (the oldest go), and drafts expire after
14 days (the retention schedule's ``draft`` type deletes them; older ones are never shown).

A save carries the time its page was opened: one that started before the form was sent (a save
still in flight when the user pressed Submit) does not bring the draft back.
"""

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts import hooks, retention
from accounts.models.drafts import MAX_BYTES, Draft

MAX_PER_USER = 50
MAX_FIELDS = 400
MAX_NAME = 100
RECORD_TYPE = "draft"
# Never kept: the CSRF token and one-time form tokens (a restored draft gets the new page's token),
# passwords, and formset bookkeeping (the page has its own).
SKIPPED_NAMES = {"csrfmiddlewaretoken", "form_token"}
SKIPPED_SUFFIXES = ("-TOTAL_FORMS", "-INITIAL_FORMS", "-MIN_NUM_FORMS", "-MAX_NUM_FORMS")
SENT_FOR = 15 * 60  # seconds a sent form keeps refusing saves from pages opened before it was sent

log = logging.getLogger(__name__)
_ID = re.compile(r"[1-9][0-9]{0,17}")
_NAME = re.compile(r"[a-z][a-z0-9-]{0,39}")


class DraftError(ValueError):
    """The draft cannot be kept: not a mapping of field names to text."""


class DraftTooLarge(DraftError):
    """The draft is larger than MAX_BYTES."""


# --- the allow-list of form keys ---------------------------------------------------------------
@dataclass(frozen=True)
class Kind:
    name: str
    allowed: Callable  # allowed(user, record id or None) -> bool
    with_id: bool = False

    def __post_init__(self):
        if not _NAME.fullmatch(self.name):
            raise ValueError(f"bad draft kind {self.name!r}")


def registered():
    """The form kinds apps offer drafts for (``Kind`` under ``hooks.DRAFTS``): ``allowed(user, pk)``
    (``pk`` None unless ``with_id``) says whether the user may keep one; for a record id it must
    check the record through ``visible_to(user)``."""
    return {kind.name: kind for kind in hooks.get_hooks(hooks.DRAFTS)}


def key_allowed(user, key):
    """True when ``key`` is a registered form key this user may keep a draft for."""
    if not isinstance(key, str) or len(key) > 80:
        return False
    name, sep, arg = key.partition(":")
    kind = registered().get(name)
    if kind is None:
        return False
    if kind.with_id:
        if not sep or not _ID.fullmatch(arg):
            return False
        return bool(kind.allowed(user, int(arg)))
    return not sep and bool(kind.allowed(user, None))


# --- values ------------------------------------------------------------------------------------
def _kept(name):
    return not (name in SKIPPED_NAMES or name.endswith(SKIPPED_SUFFIXES) or "password" in name.lower())


def clean_values(values):
    """{name: text or [texts]} without the names never kept; DraftError for anything else."""
    if not isinstance(values, dict) or len(values) > MAX_FIELDS:
        raise DraftError("not a mapping of field names to values")
    cleaned = {}
    for name, value in values.items():
        if not isinstance(name, str) or not name or len(name) > MAX_NAME:
            raise DraftError("bad field name")
        if isinstance(value, list):
            if not all(isinstance(v, str) for v in value):
                raise DraftError("bad field value")
        elif not isinstance(value, str):
            raise DraftError("bad field value")
        if _kept(name):
            cleaned[name] = value
    return cleaned


def values_from_querydict(querydict):
    """Form-encoded input: one value as text, repeated names (checkbox groups) as a list."""
    return {name: (items if len(items) > 1 else items[0]) for name, items in querydict.lists() if items}


# --- services ----------------------------------------------------------------------------------
def keep_days():
    return retention.keep_days(retention.registered()[RECORD_TYPE])


def _sent_cache_key(user, key):
    return f"draft-sent:{user.pk}:{key}"


def save_draft(user, key, values, *, opened=None):
    """Keep ``values`` as the user's draft of ``key``; returns the Draft, or None when the form was
    sent after the page that saves was opened (the save is stale). Raises DraftError when too large."""
    values = clean_values(values)
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise DraftTooLarge(f"draft larger than {MAX_BYTES} bytes")
    sent = cache.get(_sent_cache_key(user, key))
    if sent is not None and (opened is None or opened <= sent):
        return None
    with transaction.atomic():
        draft, _created = Draft.objects.update_or_create(
            user=user, key=key, defaults={"data": text, "updated_at": timezone.now()}
        )
        newest = Draft.objects.filter(user=user).order_by("-updated_at", "-pk").values_list("pk", flat=True)
        surplus = list(newest[MAX_PER_USER:])
        if surplus:
            Draft.objects.filter(pk__in=surplus).delete()
    return draft


def load_draft(user, key):
    """The user's unexpired draft of ``key``, or None."""
    cutoff = timezone.now() - timedelta(days=keep_days())
    return Draft.objects.filter(user=user, key=key, updated_at__gte=cutoff).first()


def discard_draft(user, key, *, sent=False):
    """Forget the user's draft of ``key``. ``sent``: the form was sent successfully, so saves from
    pages opened before now are refused for a while (a save still on its way must not bring it back)."""
    if sent:
        try:
            cache.set(_sent_cache_key(user, key), time.time() * 1000, SENT_FOR)
        except Exception:  # noqa: BLE001 - the form was sent: an unreachable cache must not turn that into an error
            log.warning("draft: cache unavailable, a late save may bring back the draft of %s", key.split(":")[0])
    Draft.objects.filter(user=user, key=key).delete()


def expired(cutoff):
    return Draft.objects.filter(updated_at__lt=cutoff)


hooks.register(
    hooks.RETENTION,
    retention.RecordType(
        RECORD_TYPE, "form drafts", 14, lambda *, cutoff: expired(cutoff), retention.delete_rows, action="deleted"
    ),
)
