"""When police decline an escort or let its answer deadline pass, a supervisor is asked to assign a
second worker or postpone the visit. While that task is open the visit cannot start with one worker;
either answer settles it, and an escort accepted late settles it too."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.directory import supervisors_of
from accounts.models import Organization, User
from accounts.services import notify_about
from safety import policy
from safety.models import EscortFallback, HomeVisit

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django_stubs_ext import StrOrPromise

    from safety.models import EscortRequest


def open_for(*, escort: EscortRequest, cause: str) -> EscortFallback | None:
    """Open the supervisor's task for a declined or unanswered escort (once per request); call inside the
    transaction that recorded the answer or the escalation."""
    visit = escort.visit
    if visit.status != HomeVisit.Status.PLANNED:
        return None
    fallback, created = EscortFallback.objects.get_or_create(escort=escort, defaults={"visit": visit, "cause": cause})
    if created:
        message = (
            _("police escort declined: assign a second worker or postpone")
            if cause == EscortFallback.Cause.DECLINED
            else _("police escort not answered: assign a second worker or postpone")
        )
        notify_about(
            recipients=supervisors_of(visit.referral.team),
            reference=visit.referral.reference,
            message=message,
            url=visit.get_absolute_url(),
            kind="escort_fallback",
        )
    return fallback


def escort_accepted(*, escort: EscortRequest) -> None:
    """An escort accepted after its deadline: the task it opened is no longer needed."""
    EscortFallback.objects.filter(escort=escort, status=EscortFallback.Status.OPEN).update(
        status=EscortFallback.Status.ESCORT_ACCEPTED, resolved_at=timezone.now()
    )


def open_fallbacks(*, visit: HomeVisit) -> QuerySet[EscortFallback]:
    return EscortFallback.objects.filter(visit=visit, status=EscortFallback.Status.OPEN)


def start_refusal(*, visit: HomeVisit) -> StrOrPromise | None:
    """Why an open fallback keeps the visit from starting, or None."""
    if visit.workers.count() >= 2 or not open_fallbacks(visit=visit).exists():
        return None
    return _(
        "Police could not escort this visit: it cannot start with one worker until a supervisor assigns "
        "a second worker or postpones it."
    )


def candidates(*, actor: User, fallback: EscortFallback) -> QuerySet[User]:
    """Who may be sent as the second worker: active social workers of the visit's agency whom the
    supervisor can see, not already going."""
    team = fallback.visit.referral.team
    agency = (team.nearest(Organization.Kind.AGENCY) or team) if team else None
    qs = User.objects.visible_to(actor).filter(role=User.Role.SOCIAL_WORKER, is_active=True)
    if agency is not None:
        qs = qs.filter(organization__path__startswith=agency.path)
    return qs.exclude(pk__in=fallback.visit.workers.values("pk")).order_by("last_name", "first_name", "username")


def _resolve(actor: User, fallback: EscortFallback, status: str, note: str = "") -> None:
    fallback.status, fallback.resolved_by, fallback.resolved_at = status, actor, timezone.now()
    fallback.note = (note or "").strip()[:500]


@transaction.atomic
def assign_second_worker(
    *, actor: User, fallback: EscortFallback, worker: User | None, note: str = ""
) -> EscortFallback:
    fallback = (
        EscortFallback.objects.select_for_update(of=("self",))
        .select_related("visit__referral__team")
        .get(pk=fallback.pk)
    )
    policy.require(actor, "assign_second_worker", fallback)
    visit = HomeVisit.objects.select_for_update().get(pk=fallback.visit_id)
    if visit.status != HomeVisit.Status.PLANNED:
        raise ValidationError(_("This visit has already started or ended."))
    if worker is None or not candidates(actor=actor, fallback=fallback).filter(pk=worker.pk).exists():
        raise ValidationError(
            {"worker": _("Choose an active social worker of the team's agency who is not going yet.")}
        )
    visit.workers.add(worker)
    _resolve(actor, fallback, EscortFallback.Status.SECOND_WORKER, note)
    fallback.added_worker = worker
    fallback.save()
    notify_about(
        recipients=[worker, *visit.workers.exclude(pk=worker.pk)],
        reference=visit.referral.reference,
        message=_("second worker assigned to the home visit"),
        url=visit.get_absolute_url(),
        kind="escort_fallback",
    )
    return fallback


@transaction.atomic
def postpone_visit(
    *, actor: User, fallback: EscortFallback, planned_start: datetime | None, note: str = ""
) -> EscortFallback:
    fallback = (
        EscortFallback.objects.select_for_update(of=("self",)).select_related("visit__referral").get(pk=fallback.pk)
    )
    policy.require(actor, "postpone_visit", fallback)
    visit = HomeVisit.objects.select_for_update().get(pk=fallback.visit_id)
    if visit.status != HomeVisit.Status.PLANNED:
        raise ValidationError(_("This visit has already started or ended."))
    if planned_start is None or planned_start <= timezone.now():
        raise ValidationError({"planned_start": _("Choose a new time in the future.")})
    fallback.postponed_from, fallback.postponed_to = visit.planned_start, planned_start
    visit.planned_start = planned_start
    visit.save(update_fields=["planned_start"])
    _resolve(actor, fallback, EscortFallback.Status.POSTPONED, note)
    fallback.save()
    notify_about(
        recipients=visit.workers.all(),
        reference=visit.referral.reference,
        message=_("home visit postponed: no police escort"),
        url=visit.get_absolute_url(),
        kind="escort_fallback",
    )
    return fallback


def outcomes(*, escorts: QuerySet[EscortRequest]) -> dict[str, int]:
    """The fallback's outcomes for a set of escort requests (the dashboard's figures)."""
    counts = EscortFallback.objects.filter(escort__in=escorts.values("pk")).aggregate(
        total=Count("pk"),
        second_worker=Count("pk", filter=Q(status=EscortFallback.Status.SECOND_WORKER)),
        postponed=Count("pk", filter=Q(status=EscortFallback.Status.POSTPONED)),
        open=Count("pk", filter=Q(status=EscortFallback.Status.OPEN)),
        escort_accepted=Count("pk", filter=Q(status=EscortFallback.Status.ESCORT_ACCEPTED)),
    )
    return counts
