"""Information-sharing agreements: which version a user must accept before reading records."""

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from accounts.access_log import client_ip, log_access
from accounts.models import Agreement, AgreementAcceptance


def accept_agreement(user, agreement, request=None):
    """Record that ``user`` accepted ``agreement`` (once; accepting again changes nothing)."""
    from accounts.models import Agreement

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

    from accounts.models import Agreement

    key = f"agreement:{cache.get('agreement:generation', 0)}:{user.organization_id}"
    found = cache.get(key)
    if found is None:
        found = Agreement.objects.current_for(user) or False
        cache.set(key, found, AGREEMENT_CACHE_SECONDS)
    return found or None


def agreements_changed():
    """A new or changed agreement: every cached 'agreement in force' is stale."""

    try:
        cache.incr("agreement:generation")
    except ValueError:
        cache.set("agreement:generation", 1, None)


@receiver(post_save, sender=Agreement, dispatch_uid="agreements_changed")
def _agreement_saved(sender, **kwargs):
    transaction.on_commit(agreements_changed)
