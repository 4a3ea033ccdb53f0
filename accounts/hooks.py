"""The one registry through which apps plug into the project.

Each app keeps what it contributes in ``<app>/hooks.py``; :func:`discover` imports those modules
once, when Django is ready. A hook is a name and a list of registered things (functions or small
records), read back in ``order`` and then registration order:

    from accounts import hooks

    @hooks.register(hooks.DEMO_DATA, order=30)
    def seed_referrals(world): ...

    hooks.register(hooks.NAVIGATION, NavItem(...))

Lower layers define the hook names and what a registered thing must be; higher layers register.
That is how ``referrals`` shows safety's risk badges without importing ``safety``.
Tests swap an entry in for one block with :func:`register_temporarily`.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# Hook names (what a registered thing is, and where it is read).
NAVIGATION = "navigation"  # accounts.navigation.NavItem
TIMERS = "timers"  # accounts.timers.Sweep
HOME_VIEWS = "home_views"  # accounts.views.HomeView: a role's home page
DEMO_DATA = "demo_data"  # func(world): a step of the demo city, idempotent
DEMO_SUMMARY = "demo_summary"  # accounts.demo.Summary: a line of the demo's record counts
REFERRAL_PREFILL = "referral_prefill"  # referrals.prefill.Provider: open the referral form from a record
HOUSEHOLD_TIMELINE = "household_timeline"  # func(user, household, referrals) -> Entry…
RETENTION = "retention"  # accounts.retention.RecordType
APPROVALS = "approvals"  # accounts.approvals.Kind
DRAFTS = "drafts"  # accounts.drafts.Kind: a form whose drafts are kept on the server
PERSONS_ANONYMISED = "persons_anonymised"  # func(*, people, households): retention removed these people's details
REFERRAL_BADGES = "referral_badges"  # func(user, referrals) -> {referral id: [Fragment, …]}
REFERRAL_PANELS = "referral_panels"  # func(user, referral, persons) -> [Fragment, …] (slots head, actions, aside)


@dataclass(frozen=True)
class Fragment:
    """A piece of a page another app renders: its template, the template's context, where it goes."""

    template: str
    context: dict = field(default_factory=dict)
    slot: str = ""


_registry: dict[str, list[tuple[int, int, Any]]] = defaultdict(list)
_sequence = itertools.count()


def register(hook_name: str, thing: Any = None, *, order: int = 0) -> Any:
    """Register ``thing`` under ``hook_name``; without ``thing``, a decorator."""
    if thing is None:

        def decorator(func: T) -> T:
            register(hook_name, func, order=order)
            return func

        return decorator
    entries = _registry[hook_name]
    if not any(existing == thing for _o, _s, existing in entries):  # importing a hooks module twice adds nothing
        entries.append((order, next(_sequence), thing))
    return thing


def get_hooks(hook_name: str) -> list[Any]:
    """What is registered under ``hook_name``, by order then registration order."""
    return [thing for _order, _seq, thing in sorted(_registry.get(hook_name, ()), key=lambda e: e[:2])]


def unregister(hook_name: str, thing: Any) -> None:
    _registry[hook_name] = [e for e in _registry.get(hook_name, ()) if e[2] is not thing]


@contextmanager
def register_temporarily(hook_name: str, thing: Any, *, order: int = 0) -> Iterator[Any]:
    """For tests: ``thing`` is registered inside the block only."""
    register(hook_name, thing, order=order)
    try:
        yield thing
    finally:
        unregister(hook_name, thing)


@contextmanager
def replaced(hook_name: str, keep: Callable[[Any], bool]) -> Iterator[None]:
    """For tests: inside the block, only the entries for which ``keep(thing)`` holds are registered."""
    saved = list(_registry.get(hook_name, ()))
    _registry[hook_name] = [e for e in saved if keep(e[2])]
    try:
        yield
    finally:
        _registry[hook_name] = saved


def discover() -> None:
    """Import every installed app's ``hooks`` module (once; Django caches the imports)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("hooks")
