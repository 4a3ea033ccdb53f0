"""Case notes and sharing a case with a colleague."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import assign_perm

from accounts import request_cache
from accounts.models import Organization, User
from referrals import policy
from referrals.models import (
    CaseNote,
    Referral,
)
from referrals.models.referral import grants_key
from referrals.services._base import Kind, _notify, _record, _referrers, _require_text


@transaction.atomic
def add_note(*, actor: User, referral: Referral, text: str, visibility: str = CaseNote.Visibility.INTERNAL) -> CaseNote:
    policy.require(actor, "note", referral)
    _require_text(text, "text", _("Write the note."))
    if actor.reads_shared_view:
        # Police write to the social worker; everything they write is shared.
        visibility = CaseNote.Visibility.SHARED
    if visibility not in CaseNote.Visibility.values:
        raise ValidationError({"visibility": _("Choose who may read the note.")})
    note = CaseNote(referral=referral, author=actor, text=text.strip(), visibility=visibility)
    note.full_clean()
    note.save()
    Referral.objects.filter(pk=referral.pk).update(updated_at=note.created_at)
    if visibility == CaseNote.Visibility.SHARED:
        others: list[User | None] = (
            [*_referrers(referral)] if not actor.reads_shared_view else [referral.assigned_worker]
        )
        _notify([u for u in others if u and u.pk != actor.pk], referral, _("new shared note"))
    return note


@transaction.atomic
def share_with_worker(*, actor: User, referral: Referral, worker: User) -> None:
    """Let one more social worker (e.g. a colleague covering a visit) see this referral."""
    policy.require(actor, "share", referral)
    agency = referral.team.nearest(Organization.Kind.AGENCY) if referral.team is not None else None
    if not (worker.is_active and worker.is_social_worker and (agency is None or agency.contains(worker.organization))):
        raise ValidationError({"worker": _("Choose an active social worker of the same agency.")})
    assign_perm("referrals.view_referral", worker, referral)
    request_cache.forget(grants_key(worker))
    _record(
        referral, Kind.ASSIGNED, actor, note=_("shared with %(name)s") % {"name": worker.get_full_name()}, shared=False
    )
    _notify([worker], referral, _("shared with you"))
