"""Decisions that need a supervisor's approval, for every app.

An app registers a kind of decision: how to find its record, and what approving it does. A
service asks ``needs_approval(kind, user, **details)``; if so it calls
``accounts.services.request_approval`` instead of acting. The supervisors above the team (or an
administrator) find it on their approval queue; approving runs the registered ``carry_out`` in the
same transaction, rejecting records the reason. Which decisions need approval is configured in
``settings.APPROVALS`` ("referral.decline", "referral.close:<outcome>", "safety.remove_flag").
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from accounts import hooks


@dataclass(frozen=True)
class Kind:
    name: str
    load: Callable  # load(object_id) -> the record, locked for the decision
    carry_out: Callable  # carry_out(approver, record, payload) -> None
    on_decided: Callable | None = None  # on_decided(approval, record) -> None: events, notices


def kind(name):
    """The kind registered under ``hooks.APPROVALS`` with this name."""
    for registered in hooks.get_hooks(hooks.APPROVALS):
        if registered.name == name:
            return registered
    raise KeyError(name)


def needs_approval(name, user, detail=""):
    """Must ``user``'s decision ``name`` (with ``detail``, e.g. a closing outcome) wait for a supervisor?
    Supervisors and administrators decide themselves."""
    if user.is_administrator or user.is_supervisor:
        return False
    wanted = set(settings.APPROVALS)
    return name in wanted or (bool(detail) and f"{name}:{detail}" in wanted)


def may_decide(user, approval):
    """The supervisors above the approval's team, or an administrator; never the one who asked."""
    if not user.is_authenticated or not user.is_active or approval.requested_by_id == user.pk:
        return False
    if user.is_administrator:
        return True
    unit = approval.unit
    return (
        user.is_supervisor
        and not user.is_police
        and unit is not None
        and user.organization is not None
        and (user.organization.contains(unit))
    )


def pending_for(user):
    """The approvals ``user`` may decide, oldest first."""
    from accounts.models import Approval, Organization

    pending = Approval.objects.filter(state=Approval.State.PENDING).exclude(requested_by=user)
    if user.is_administrator:
        return pending.select_related("requested_by", "unit")
    if not (user.is_supervisor and not user.is_police and user.organization_id):
        return pending.none()
    units = Organization.objects.filter(path__startswith=user.organization.path).values("pk")
    return pending.filter(unit__in=units).select_related("requested_by", "unit")
