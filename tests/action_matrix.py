"""The action-level permission matrix: every state change × every actor × every channel.

Each :class:`Action` names who may take it (written out by hand from the rules, never read from
the policy under test), builds a fresh record in the state the action needs, and says what the
database must look like after a success. Every actor of ``tests.world`` then tries it through
each channel with a *valid* payload:

* ``service``: the service function itself. Allowed → the change is made; everyone else →
  ``PermissionDenied`` and nothing changed.
* ``page`` / ``api``: an HTTP POST. Allowed → a success answer and the change made; someone who
  can see the record but may not act → 403 and nothing changed; someone who cannot see it → 404
  and nothing changed.

So removing any policy check from a service makes at least one row fail (see scripts/mutate_policy.py).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from rest_framework.test import APIClient

from tests.world import ACTORS

PAGE_OK = frozenset({302})
API_OK = frozenset({200, 201, 204})
CHANNELS = ("service", "page", "api")


@dataclass(frozen=True)
class Action:
    name: str
    allowed: frozenset[str]
    visible: frozenset[str]  # actors who can see the record (others must get 404 over HTTP)
    setup: Callable[[Any, str], Any]  # (world, actor name) -> a fresh target in the right state
    snapshot: Callable[[Any], Any]  # target -> comparable state, read from the database
    changed: Callable[[Any, Any, Any], bool]  # (world, before, after) -> the success is in the database
    service: Callable[[Any, Any, Any], Any] | None = None  # (world, user, target)
    page: Callable[[Any, Any], tuple[str, dict]] | None = None  # (world, target) -> (url, data)
    api: Callable[[Any, Any], tuple[str, dict]] | None = None
    page_ok: frozenset[int] = PAGE_OK
    api_ok: frozenset[int] = API_OK
    # What an API call answers someone who cannot see the record: 404 when the URL names it, 400 (as for
    # a missing id) when the body does.
    api_unseen: frozenset[int] = frozenset({404})
    extra: dict = field(default_factory=dict)
    # (channel, actor) -> the answers expected where the general rule does not hold, e.g. a 400 where an id
    # the actor cannot see is answered like a missing one; the database must still be unchanged.
    expect: dict = field(default_factory=dict)

    def channels(self):
        return [c for c in CHANNELS if getattr(self, c) is not None]


def _attempt(action, world, channel, user, target):
    """Returns what happened: an HTTP status, "done", "refused" or "invalid: …"."""
    if channel == "service":
        try:
            action.service(world, user, target)
        except PermissionDenied:
            return "refused"
        except ValidationError as exc:
            return f"invalid: {exc.messages}"
        return "done"
    url, data = getattr(action, channel)(world, target)
    if channel == "page":
        client = Client()
        client.force_login(user)
        return client.post(url, data).status_code
    client = APIClient()
    client.force_authenticate(user)
    return client.post(url, data, format="json").status_code


def expected(action, channel, actor):
    if (channel, actor) in action.expect:
        return set(action.expect[(channel, actor)])
    if channel == "service":
        return {"done"} if actor in action.allowed else {"refused"}
    if actor in action.allowed:
        return set(action.page_ok if channel == "page" else action.api_ok)
    if actor in action.visible:
        return {403}
    return set(action.api_unseen) if channel == "api" else {404}


def run(action, world, channel, actors=ACTORS):
    """Try ``action`` as every actor through ``channel``; returns the list of failures."""
    failures = []
    for actor in actors:
        target = action.setup(world, actor)
        before = action.snapshot(target)
        outcome = _attempt(action, world, channel, world.users[actor], target)
        after = action.snapshot(target)
        want = expected(action, channel, actor)
        if outcome not in want:
            failures.append(f"{action.name}/{channel}/{actor}: answered {outcome!r}, expected {sorted(map(str, want))}")
        success = actor in action.allowed
        if success and not action.changed(world, before, after):
            failures.append(f"{action.name}/{channel}/{actor}: allowed, but the change is not in the database")
        if not success and before != after:
            diff = {k: (before[k], after[k]) for k in before if before[k] != after[k]}
            failures.append(f"{action.name}/{channel}/{actor}: refused, but the database changed: {diff}")
    return failures


def size(actions):
    return sum(len(a.channels()) for a in actions) * len(ACTORS)
