"""The access log: every read of a case, safety or patrol record, every search and export, with who and from where.

The rows are written to the primary by name (``using(DEFAULT_DB_ALIAS)``), past the database router: logging
a read is not a write of the request, so a page that may read the replica (config/routers.py) goes on
reading it after logging, and the reader is not pinned to the primary. The user goes in by id
(``user_id``): assigning the user object would ask the router where to write after all.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from ipware import get_client_ip

from accounts.models import AccessLog


def client_ip(request):
    """The client's address, for the sign-in lockout (AXES_CLIENT_IP_CALLABLE) and the access log.

    Behind PROXY_COUNT reverse proxies it is the entry the outermost proxy appended to
    X-Forwarded-For, counted from the right: whatever a client writes into the header itself
    stays to the left and is never taken. Without a proxy the header is ignored.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PROXY_COUNT
    if proxies <= 0:
        return remote
    # django-ipware counts the proxies listed in the header; the nearest one is REMOTE_ADDR, not listed.
    ip, _routable = get_client_ip(
        request, proxy_count=proxies - 1, request_header_order=["HTTP_X_FORWARDED_FOR"], strict=False
    )
    return ip or remote


def keyed_hash(text):
    """HMAC of a search term or lookup value: the log can tell two searches apart without holding the term."""
    normalised = " ".join(str(text or "").split()).lower()
    return hmac.new(settings.SEARCH_HASH_KEY.encode(), normalised.encode(), hashlib.sha256).hexdigest()


def log_search(request, term, matches, *, object_type="referral"):
    """A search or lookup: the keyed hash of the term and the number of matches, never the term itself."""
    return log_access(
        request,
        action=AccessLog.Action.SEARCH,
        object_type=object_type,
        detail=f"term={keyed_hash(term)} matches={matches}",
    )


def log_reads(request, records, *, detail="list"):
    """One access-log row per record shown in a list or export page, in one insert."""
    user_id = request.user.pk if request.user.is_authenticated else None
    ip = client_ip(request)
    now = timezone.now()
    return AccessLog.objects.using(DEFAULT_DB_ALIAS).bulk_create(
        [
            AccessLog(
                user_id=user_id,
                action=AccessLog.Action.VIEW,
                object_type=r._meta.label_lower,
                object_id=str(r.pk),
                detail=detail[:200],
                ip_address=ip,
                at=now,
            )
            for r in records
        ]
    )


def log_access(request, obj=None, *, action=AccessLog.Action.VIEW, object_type=None, object_id="", detail=""):
    """Append an access-log entry. Call from every detail view, API retrieve and export."""
    user_id = request.user.pk if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = str(obj.pk)
    return AccessLog.objects.using(DEFAULT_DB_ALIAS).create(
        user_id=user_id,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id)[:64],
        detail=detail[:200],
        ip_address=client_ip(request),
    )
