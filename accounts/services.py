"""State changes for accounts: notifications and their e-mail outbox."""

import contextvars
import hashlib
import hmac
import logging
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override
from ipware import get_client_ip

from accounts.models import AccessLog, Notification

log = logging.getLogger(__name__)

MAX_EMAIL_ATTEMPTS = 5

_inbox_only = contextvars.ContextVar("notifications_inbox_only", default=False)


@contextmanager
def inbox_only():
    """Notices created inside go to the inbox without an e-mail (replaying the demo world's history)."""
    token = _inbox_only.set(True)
    try:
        yield
    finally:
        _inbox_only.reset(token)


def replaying():
    """Inside ``inbox_only()``: nothing may leave the system (no e-mail, no SMS)."""
    return _inbox_only.get()


def notify(recipients, *, kind, title, url="", email=True):
    """Create one inbox entry per recipient and queue its e-mail after commit.

    ``title`` must carry minimum detail only (a reference and a status).
    """
    return notify_many([(recipients, title, url)], kind=kind, email=email)


def notify_many(messages, *, kind, email=True):
    """Many notices in one insert: ``messages`` is a list of (recipients, title, url)."""
    from accounts import tasks  # local import: tasks import this module

    now = timezone.now()
    email = email and not _inbox_only.get()
    rows = []
    for recipients, title, url in messages:
        seen = set()
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
            transaction.on_commit(lambda nid=n.pk: tasks.queue_email(nid))
    return created


def notify_about(recipients, reference, message, url, *, kind):
    """Notices titled "<reference>: <message>", each in its reader's language (minimum detail)."""
    from django.utils.translation import override

    by_language = {}
    for user in recipients:
        if user is not None:
            by_language.setdefault(user.language or settings.LANGUAGE_CODE, []).append(user)
    for language, users in by_language.items():
        with override(language):
            notify(users, kind=kind, title=f"{reference}: {message}", url=url)


def mark_read(notification):
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        notification.read_at = timezone.now()
    return notification


def mark_all_read(user):
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


def deliver_email(notification_id):
    """Send one notification's e-mail. At least once: a row stays pending until the send succeeds."""
    n = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if n is None or n.email_state != Notification.EmailState.PENDING:
        return False
    # Compare-and-set on the attempt counter: a concurrent sender that got here first wins.
    claimed = Notification.objects.filter(
        pk=n.pk, email_state=Notification.EmailState.PENDING, email_attempts=n.email_attempts
    ).update(email_attempts=n.email_attempts + 1)
    if not claimed:
        return False
    link = f"{settings.SITE_URL.rstrip('/')}{n.url}" if n.url else settings.SITE_URL
    try:
        with override(n.recipient.language):
            send_mail(
                subject=n.title,
                message=_(
                    "%(title)s\n\nOpen: %(link)s\n\nThis message carries no personal details; sign in to read more."
                )
                % {"title": n.title, "link": link},
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[n.recipient.email],
                fail_silently=False,
            )
    except Exception:  # noqa: BLE001 - any transport error leaves the row for a retry
        log.warning("notification e-mail %s failed (attempt %s)", n.pk, n.email_attempts + 1, exc_info=True)
        if n.email_attempts + 1 >= MAX_EMAIL_ATTEMPTS:
            Notification.objects.filter(pk=n.pk).update(email_state=Notification.EmailState.FAILED)
        return False
    Notification.objects.filter(pk=n.pk).update(email_state=Notification.EmailState.SENT, emailed_at=timezone.now())
    return True


def deliver_pending_emails(older_than=timedelta(seconds=30), limit=500, give_up_after=2):
    """Outbox sweep: e-mails whose queued task never ran (broker down, worker killed), and in embedded
    mode every e-mail. After ``give_up_after`` failures in a row the mail server is taken to be down
    and the rest wait for the next round, so one round lasts at most a few SMTP timeouts."""
    cutoff = timezone.now() - older_than
    ids = list(
        Notification.objects.filter(email_state=Notification.EmailState.PENDING, created_at__lte=cutoff)
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = failed_in_a_row = 0
    for nid in ids:
        if deliver_email(nid):
            sent += 1
            failed_in_a_row = 0
        elif Notification.objects.filter(pk=nid, email_state=Notification.EmailState.PENDING).exists():
            failed_in_a_row += 1
            if failed_in_a_row >= give_up_after:
                break
    return sent


def send_message(subject, body, from_email, to, html=None):
    """Send a one-off message (not a notification); failures are logged, never raised to the caller."""
    message = EmailMultiAlternatives(subject, body, from_email, to)
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # noqa: BLE001 - the user can ask again; nothing to retry from here
        log.warning("one-off e-mail failed", exc_info=True)
        return False
    return True


def mint_api_token(user, *, days=None):
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
    user = request.user if request.user.is_authenticated else None
    ip = client_ip(request)
    now = timezone.now()
    return AccessLog.objects.bulk_create(
        [
            AccessLog(
                user=user,
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
    user = request.user if request.user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = str(obj.pk)
    return AccessLog.objects.create(
        user=user,
        action=action,
        object_type=object_type or "",
        object_id=str(object_id)[:64],
        detail=detail[:200],
        ip_address=client_ip(request),
    )


def accept_agreement(user, agreement, request=None):
    """Record that ``user`` accepted ``agreement`` (once; accepting again changes nothing)."""
    from accounts.models import Agreement, AgreementAcceptance

    if not user.is_authenticated or Agreement.objects.current_for(user) != agreement:
        raise PermissionError("Only the agreement in force for the user can be accepted.")
    acceptance, created = AgreementAcceptance.objects.get_or_create(
        agreement=agreement, user=user, defaults={"ip_address": client_ip(request) if request else None}
    )
    if created and request is not None:
        log_access(request, agreement, detail=f"accepted version {agreement.version}")
    return acceptance


AGREEMENT_CACHE_SECONDS = 300


def agreement_to_accept(user, session=None):
    """The agreement in force that ``user`` has not accepted yet, or None.

    Checked on every request, so the agreement in force is cached per organisation (a new
    version clears the cache) and an acceptance is remembered in the session."""
    from accounts.models import AgreementAcceptance

    if not user.is_authenticated or user.role == user.Role.INTEGRATION:
        return None
    current = _agreement_in_force(user)
    if current is None or (session is not None and session.get("agreement_accepted") == current.pk):
        return None
    if AgreementAcceptance.objects.filter(agreement=current, user=user).exists():
        if session is not None:
            session["agreement_accepted"] = current.pk
        return None
    return current


def _agreement_in_force(user):
    from django.core.cache import cache

    from accounts.models import Agreement

    key = f"agreement:{cache.get('agreement:generation', 0)}:{user.organization_id}"
    found = cache.get(key)
    if found is None:
        found = Agreement.objects.current_for(user) or False
        cache.set(key, found, AGREEMENT_CACHE_SECONDS)
    return found or None


def agreements_changed():
    """A new or changed agreement: every cached 'agreement in force' is stale."""
    from django.core.cache import cache

    try:
        cache.incr("agreement:generation")
    except ValueError:
        cache.set("agreement:generation", 1, None)


# --- approvals ---------------------------------------------------------------------------------
@transaction.atomic
def request_approval(actor, kind, record, *, unit, summary, payload=None):
    """Ask the supervisors above ``unit`` to approve ``actor``'s decision on ``record``.
    One pending request per record and kind: asking again replaces the details."""
    from accounts.approvals import team_supervisors_of
    from accounts.models import Approval

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
        team_supervisors_of(unit),
        kind="approval",
        title=_("%(record)s: waiting for your approval (%(what)s)") % {"record": approval.label, "what": summary},
        url="/approvals/",
    )
    return approval


@transaction.atomic
def decide_approval(actor, approval, *, approve, reason=""):
    """Approve (carry the decision out) or reject (with a reason) a pending request."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from accounts import approvals
    from accounts.models import Approval

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
        [approval.requested_by],
        kind="approval",
        title=_("%(record)s: your request was %(verdict)s") % {"record": approval.label, "verdict": verdict},
        url="/",
    )
    return approval
