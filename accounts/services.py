"""State changes for accounts: notifications and their e-mail outbox."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Approval, Notification, Organization, PushSubscription, User

if TYPE_CHECKING:
    from django.db.models import Model
    from django_stubs_ext import StrOrPromise

log = logging.getLogger(__name__)

_inbox_only = contextvars.ContextVar("notifications_inbox_only", default=False)


@contextmanager
def inbox_only() -> Iterator[None]:
    """Notices created inside go to the inbox without an e-mail (replaying the demo world's history)."""
    token = _inbox_only.set(True)
    try:
        yield
    finally:
        _inbox_only.reset(token)


def replaying() -> bool:
    """Inside ``inbox_only()``: nothing may leave the system (no e-mail, no SMS)."""
    return _inbox_only.get()


def notify(
    *, recipients: Iterable[User | None], kind: str, title: str, url: str = "", email: bool = True
) -> list[Notification]:
    """Create one inbox entry per recipient and queue its e-mail after commit.

    ``title`` must carry minimum detail only (a reference and a status).
    """
    return notify_many(messages=[(recipients, title, url)], kind=kind, email=email)


def notify_many(
    *, messages: Iterable[tuple[Iterable[User | None], str, str]], kind: str, email: bool = True
) -> list[Notification]:
    """Many notices in one insert: ``messages`` is a list of (recipients, title, url)."""
    from accounts import tasks  # local import: tasks import this module

    now = timezone.now()
    email = email and not _inbox_only.get()
    rows = []
    for recipients, title, url in messages:
        seen: set[int] = set()
        for user in recipients:
            if user is None or user.pk in seen or not user.is_active:
                continue
            seen.add(user.pk)
            wants_email = email and bool(user.email)
            rows.append(
                Notification(
                    recipient=user,
                    kind=kind,
                    title=title[:200],
                    url=url,
                    created_at=now,
                    email_state=Notification.EmailState.PENDING if wants_email else Notification.EmailState.NONE,
                )
            )
    created = Notification.objects.bulk_create(rows)
    for n in created:
        if n.email_state == Notification.EmailState.PENDING:
            transaction.on_commit(partial(tasks.queue_email, n.pk))
    if created and kind in settings.PUSH_KINDS and push_available() and not _inbox_only.get():
        _queue_pushes(created)
    return created


def push_available() -> bool:
    """Browser push is switched on and has its key pair."""
    return bool(settings.PUSH_ENABLED and settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


def _queue_pushes(created: list[Notification]) -> None:
    """A push to the devices of each recipient who has any, sent after commit by the `email` worker.
    Nothing here talks to a push service: a slow or failing one never holds up the caller (a sweep),
    and the inbox entry, e-mail and SMS go regardless."""
    from accounts import tasks  # local import: tasks import this module

    subscribed = set(
        PushSubscription.objects.filter(user_id__in={n.recipient_id for n in created})
        .values_list("user_id", flat=True)
        .distinct()
    )
    for n in created:
        if n.recipient_id in subscribed:
            transaction.on_commit(partial(tasks.queue_push, n.pk))


def notify_about(
    *, recipients: Iterable[User | None], reference: str, message: StrOrPromise, url: str, kind: str
) -> None:
    """Notices titled "<reference>: <message>", each in its reader's language (minimum detail)."""

    by_language: dict[str, list[User]] = {}
    for user in recipients:
        if user is not None:
            by_language.setdefault(user.language or settings.LANGUAGE_CODE, []).append(user)
    for language, users in by_language.items():
        with override(language):
            notify(recipients=users, kind=kind, title=f"{reference}: {message}", url=url)


# --- browser push subscriptions -----------------------------------------------------------------
MAX_PUSH_SUBSCRIPTIONS = 10  # devices per user
_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")


@transaction.atomic
def subscribe_push(*, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = "") -> PushSubscription:
    """Keep (or refresh) the push subscription a browser gave for ``user``'s device.

    A device (endpoint) belongs to whoever turned notifications on last: it moves from another user."""
    from urllib.parse import urlsplit

    from django.core.exceptions import PermissionDenied, ValidationError

    from accounts.policy import may_receive_push

    if not may_receive_push(user):
        raise PermissionDenied(_("Push notifications are for social workers, supervisors and coordinators."))
    endpoint, p256dh, auth = (endpoint or "").strip(), (p256dh or "").strip(), (auth or "").strip()
    errors: dict[str, StrOrPromise] = {}
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname:
        errors["endpoint"] = _("The push service's address must start with https://.")
    elif len(endpoint) > 500:
        errors["endpoint"] = _("The push service's address is too long (at most 500 characters).")
    if not 80 <= len(p256dh) <= 200 or not set(p256dh) <= _B64URL:
        errors["p256dh"] = _("The device key is missing or malformed.")
    if not 16 <= len(auth) <= 100 or not set(auth) <= _B64URL:
        errors["auth"] = _("The device secret is missing or malformed.")
    if errors:
        raise ValidationError(errors)
    # One subscribe at a time per user, so the limit holds.
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    if PushSubscription.objects.filter(user=user).exclude(endpoint=endpoint).count() >= MAX_PUSH_SUBSCRIPTIONS:
        raise ValidationError(
            _("Notifications are on for %(count)d devices already: remove one first.")
            % {"count": MAX_PUSH_SUBSCRIPTIONS}
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "user": user,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": (user_agent or "")[:300],
            "failures": 0,
        },
    )
    return subscription


def unsubscribe_push(*, user: User, subscription: PushSubscription) -> None:
    """Forget one of ``user``'s devices (resolved through ``visible_to``: another user's is missing)."""
    from django.core.exceptions import PermissionDenied

    if subscription.user_id != user.pk:
        raise PermissionDenied
    PushSubscription.objects.filter(pk=subscription.pk).delete()


def mark_read(*, notification: Notification) -> Notification:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.read_at = timezone.now()
    return notification


def mark_all_read(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def mint_api_token(*, user: User, days: int | None = None) -> str:
    """A new API token for an integration account; returns the token (only its hash is stored)."""
    from django.core.exceptions import PermissionDenied
    from knox.models import AuthToken

    if not (user.is_integration and user.is_active):
        raise PermissionDenied(_("API tokens are only for active integration accounts."))
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= settings.API_TOKEN_DAYS:
        raise ValueError(_("A token lasts 1 to %(days)d days.") % {"days": settings.API_TOKEN_DAYS})
    _row, token = AuthToken.objects.create(user=user, expiry=timedelta(days=days))
    return token


# --- approvals ---------------------------------------------------------------------------------
@transaction.atomic
def request_approval(
    *,
    actor: User,
    kind: str,
    record: Model,
    unit: Organization | None,
    summary: StrOrPromise,
    payload: dict[str, Any] | None = None,
) -> Approval:
    """Ask the supervisors above ``unit`` to approve ``actor``'s decision on ``record``.
    One pending request per record and kind: asking again replaces the details."""
    from accounts.directory import supervisors_of

    approval, _created = Approval.objects.update_or_create(
        kind=kind,
        object_id=record.pk,
        state=Approval.State.PENDING,
        defaults={
            "label": str(getattr(record, "reference", "") or record)[:100],
            "unit": unit,
            "summary": str(summary)[:300],
            "payload": payload or {},
            "requested_by": actor,
            "requested_at": timezone.now(),
        },
    )
    notify(
        recipients=supervisors_of(unit),
        kind="approval",
        title=_("%(record)s: waiting for your approval (%(what)s)") % {"record": approval.label, "what": summary},
        url="/approvals/",
    )
    return approval


@transaction.atomic
def decide_approval(*, actor: User, approval: Approval, approve: bool, reason: str = "") -> Approval:
    """Approve (carry the decision out) or reject (with a reason) a pending request."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from accounts import approvals

    approval = Approval.objects.select_for_update().get(pk=approval.pk)
    if not approvals.may_decide(actor, approval):
        raise PermissionDenied(_("Only a supervisor above the team can decide this."))
    if approval.state != Approval.State.PENDING:
        raise ValidationError(_("This request has already been decided."))
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ValidationError({"reason": _("Say why the request is rejected.")})
    kind = approvals.kind(approval.kind)
    record = kind.load(approval.object_id)
    if approve:
        kind.carry_out(actor, record, approval.payload)
    approval.state = Approval.State.APPROVED if approve else Approval.State.REJECTED
    approval.decided_by, approval.decided_at, approval.reason = actor, timezone.now(), reason[:1000]
    approval.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    if kind.on_decided:
        kind.on_decided(approval, record)
    verdict = _("approved") if approve else _("rejected")
    notify(
        recipients=[approval.requested_by],
        kind="approval",
        title=_("%(record)s: your request was %(verdict)s") % {"record": approval.label, "verdict": verdict},
        url="/",
    )
    return approval
