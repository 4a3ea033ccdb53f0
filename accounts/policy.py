"""Who may do what: each app declares one table of role × action × relation.

An app's ``policy.py`` builds a :class:`Policy` from

* ``RELATIONS``: how a user stands to a record (``own``, ``team``, ``station``, ``subtree``,
  ``district``, ``granted``, ``any``) as small predicates, evaluated lazily and only when a
  rule asks for them;
* ``RULES``: per action, which roles may act through which relations, and in which record
  statuses the action exists at all.

Services call ``POLICY.require(actor, action, record)`` before every state change; pages and the
API offer ``POLICY.allowed_actions(user, record)``, so what is shown and what is allowed cannot
drift apart. A role without a relation listed for an action is refused (``PermissionDenied``);
an action that does not exist in the record's current status is a rule (``ValidationError``).

Visibility (what a user may *see*) stays in each model's ``visible_to(user)``: a record the user
cannot see never reaches a policy check, it answers 404 first.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import StrOrPromise

    from accounts.models import Organization, User

# Roles as the policy sees them: a supervisor of a police unit is a station head.
OFFICER = "officer"
STATION_HEAD = "station_head"
SOCIAL_WORKER = "social_worker"
SUPERVISOR = "supervisor"
COORDINATOR = "intake_coordinator"
ADMINISTRATOR = "administrator"
INTEGRATION = "integration"
ROLES = (OFFICER, STATION_HEAD, SOCIAL_WORKER, SUPERVISOR, COORDINATOR, ADMINISTRATOR, INTEGRATION)

# The relation every administrator has to every record.
ANY = "any"


def role_of(user: User | AnonymousUser | None) -> str:
    """The policy role of ``user``; "" for anonymous or deactivated accounts (who may do nothing)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ""
    if user.is_administrator:
        return ADMINISTRATOR
    if user.role == SUPERVISOR and user.is_police:
        return STATION_HEAD
    return user.role


def contains(org: Organization | None, other: Organization | None) -> bool:
    """``other`` is ``org`` or lies below it in the organisation tree."""
    return org is not None and org.contains(other)


# Who may turn on browser push on their devices: the people pushed alerts go to (on-call social workers,
# supervisors and coordinators of social-work units; administrators, who run the system). Station heads,
# officers and integration clients are sent none of these alerts, so they have nothing to subscribe to.
PUSH_ROLES = frozenset({SOCIAL_WORKER, SUPERVISOR, COORDINATOR, ADMINISTRATOR})


def may_receive_push(user: User | AnonymousUser | None) -> bool:
    return role_of(user) in PUSH_ROLES


class Who(TypedDict, total=False):
    """Roles and the relations through which each may act: a table shared by several ``rule(**who)``."""

    officer: Iterable[str]
    station_head: Iterable[str]
    social_worker: Iterable[str]
    supervisor: Iterable[str]
    intake_coordinator: Iterable[str]
    administrator: Iterable[str]
    integration: Iterable[str]


@dataclass(frozen=True)
class Rule:
    """Who may take one action, and in which statuses of the record it exists."""

    who: Mapping[str, frozenset[str]]
    statuses: frozenset[str] = frozenset()  # empty: any status
    when: Callable[[Any], bool] | None = None  # a further condition on the record itself
    when_refusal: StrOrPromise | None = None  # what to say when that condition fails
    refusal: StrOrPromise = _("You are not allowed to do this.")
    on_record: bool = True  # False: an action on the organisation (filing, re-matching), not on a record


def rule(
    refusal: StrOrPromise | None = None,
    *,
    statuses: Iterable[str] = (),
    when: Callable[[Any], bool] | None = None,
    when_refusal: StrOrPromise | None = None,
    on_record: bool = True,
    **who: Iterable[str],
) -> Rule:
    """``rule(social_worker={"team"}, supervisor={"subtree"}, administrator={"any"}, statuses=OPEN)``."""
    kwargs = {"refusal": refusal} if refusal is not None else {}
    return Rule(
        who={role: frozenset(rels) for role, rels in who.items()},
        statuses=frozenset(str(s) for s in statuses),
        when=when,
        when_refusal=when_refusal,
        on_record=on_record,
        **kwargs,
    )


@dataclass
class Policy:
    rules: Mapping[str, Rule]
    relations: Mapping[str, Callable[[User, Any], bool]]
    status_of: Callable[[Any], str] = field(default=lambda obj: getattr(obj, "status", ""))
    not_now: Callable[[Any], StrOrPromise] = field(
        default=lambda obj: (
            _("This record is %(status)s; that action is not possible now.")
            % {"status": obj.get_status_display() if hasattr(obj, "get_status_display") else ""}
        )
    )

    def __post_init__(self) -> None:
        for action, r in self.rules.items():
            for role, rels in r.who.items():
                if role not in ROLES:
                    raise ValueError(f"{action}: unknown role {role!r}")
                unknown = set(rels) - set(self.relations) - {ANY}
                if unknown:
                    raise ValueError(f"{action}: unknown relations {sorted(unknown)}")

    def relation_holds(self, user: User, name: str, obj: object) -> bool:
        return name == ANY or bool(self.relations[name](user, obj))

    def permits(self, user: User | AnonymousUser | None, action: str, obj: object) -> bool:
        """Role × relation only: may ``user`` take ``action`` on ``obj`` at all?"""
        wanted = self.rules[action].who.get(role_of(user), frozenset())
        if user is None or not user.is_authenticated:
            return False  # no role, so no rule names them (as ``wanted`` is empty)
        # In the order RELATIONS declares them: cheap attribute tests first, queries last.
        return any(self.relation_holds(user, name, obj) for name in (ANY, *self.relations) if name in wanted)

    def exists_now(self, action: str, obj: object) -> bool:
        """The action exists in the record's current state (``why_not_now`` without the message)."""
        r = self.rules[action]
        if r.statuses and self.status_of(obj) not in r.statuses:
            return False
        return r.when is None or bool(r.when(obj))

    def why_not_now(self, action: str, obj: object) -> StrOrPromise | None:
        """None when the action exists in the record's current state, else the reason it does not."""
        if self.exists_now(action, obj):
            return None
        r = self.rules[action]
        if r.statuses and self.status_of(obj) not in r.statuses:
            return self.not_now(obj)
        return r.when_refusal or self.not_now(obj)

    def can(self, user: User | AnonymousUser | None, action: str, obj: object) -> bool:
        # The record's state first: a comparison, where a relation may need a query. Lists ask this
        # for every action of every row, so no refusal message is built here.
        return self.exists_now(action, obj) and self.permits(user, action, obj)

    def require(self, user: User | AnonymousUser | None, action: str, obj: object) -> None:
        """For services: refuse with ``PermissionDenied`` (role) or ``ValidationError`` (state)."""
        if not self.permits(user, action, obj):
            raise PermissionDenied(self.rules[action].refusal)
        reason = self.why_not_now(action, obj)
        if reason is not None:
            raise ValidationError(reason)

    def allowed_actions(self, user: User | AnonymousUser | None, obj: object) -> set[str]:
        return {a for a, r in self.rules.items() if r.on_record and self.can(user, a, obj)}

    def table(self) -> list[tuple[str, str, list[str]]]:
        """(action, role, relations) rows, for the README and the permission-matrix report."""
        return [(a, role, sorted(rels)) for a, r in self.rules.items() for role, rels in sorted(r.who.items())]
