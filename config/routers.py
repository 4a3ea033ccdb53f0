"""Read-replica routing (Django's database routers, PostgreSQL streaming replication).

Everything reads and writes the primary ("default") unless a view opts in with ``@replica_reads``:
the dashboards, the referral search page and the CSV/XLSX exports, whose figures may be a moment
old. Inside such a view, reads go to "replica" until the request writes anything through the ORM,
locks a row (``select_for_update``) or opens a transaction; from then on every read of the request
goes to the primary, so a request never reads older data than it has itself written.

A request that wrote pins the user to the primary for REPLICA_PIN_SECONDS (a signed cookie), so
the page a redirect leads to after a save shows the save even while the replica is behind.

The per-request state lives in a ContextVar set by ``ReplicaRoutingMiddleware``; without the
middleware (no DATABASE_REPLICA_URL) ``@replica_reads`` does nothing and the router is not installed.
"""

import functools
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

PRIMARY = DEFAULT_DB_ALIAS
REPLICA = "replica"
PIN_COOKIE = "replica_pin"
PIN_SALT = "config.routers.pin"
READ_ONLY_METHODS = frozenset({"GET", "HEAD"})
# Sign-in, sessions, tokens, lockouts and permission grants are always read from the primary: a
# session just created or a grant just revoked must count at once, whatever the replica's lag.
PRIMARY_ONLY_APPS = frozenset({"sessions", "auth", "axes", "knox", "guardian", "admin"})

logger = logging.getLogger(__name__)


@dataclass
class RequestRouting:
    """What the router knows about the request being served."""

    replica_ok: bool = False  # inside a view that opted in, on a GET/HEAD, user not pinned
    primary_since: str = ""  # why every further read goes to the primary (a write, a lock, a transaction)
    wrote: bool = False  # something was written or locked: pin the user to the primary afterwards
    pinned: bool = False  # the user's previous request wrote, moments ago (pin cookie)


_routing: ContextVar[RequestRouting | None] = ContextVar("replica_routing", default=None)


def current() -> RequestRouting | None:
    return _routing.get()


def _log(alias, model, reason, kind):
    # Only within requests: outside them (commands, tasks) everything is the primary anyway.
    if _routing.get() is not None and getattr(settings, "REPLICA_LOG_CHOICES", False):
        logger.debug("%s %s -> %s (%s)", kind, model._meta.label, alias, reason)


def _primary_in_transaction():
    # An open transaction.atomic() on the primary: what it reads must be what it may write.
    # (A test case's own wrapping transaction counts too, so routed tests use transaction=True.)
    return connections[PRIMARY].in_atomic_block


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        alias, reason = self._read_choice(model)
        _log(alias, model, reason, "read")
        return alias

    def _read_choice(self, model):
        state = _routing.get()
        if state is None or not state.replica_ok:
            return PRIMARY, "pinned after a write" if state is not None and state.pinned else "not opted in"
        if state.primary_since:
            return PRIMARY, f"after {state.primary_since}"
        if model._meta.app_label in PRIMARY_ONLY_APPS:
            return PRIMARY, "sign-in or permission data"
        if _primary_in_transaction():
            state.primary_since = "transaction"
            return PRIMARY, "transaction"
        return REPLICA, "opted in"

    def db_for_write(self, model, **hints):
        # Also called for select_for_update() and get_or_create(). Writes that only record a read
        # (the access log) name the primary themselves (.using(DEFAULT_DB_ALIAS)) and never get here,
        # so viewing a page neither sends the rest of it to the primary nor pins the user.
        state = _routing.get()
        if state is not None:
            state.wrote = True
            state.primary_since = state.primary_since or f"write of {model._meta.label}"
        _log(PRIMARY, model, "write or lock", "write")
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        # The replica is a copy of the primary: an object read from one may point at one from the other.
        return {obj1._state.db, obj2._state.db} <= {PRIMARY, REPLICA, None}

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica is read-only and gets its schema by replication.
        return db == PRIMARY


def _pinned(request):
    value = request.get_signed_cookie(PIN_COOKIE, default=None, salt=PIN_SALT, max_age=settings.REPLICA_PIN_SECONDS)
    return value is not None


class ReplicaRoutingMiddleware:
    """Hold the routing state for one request and pin the user to the primary after a write.

    Sits inside SessionMiddleware, so saving the session after the view is not counted as a write."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = RequestRouting(pinned=_pinned(request))
        token = _routing.set(state)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        if state.wrote:
            response.set_signed_cookie(
                PIN_COOKIE,
                "1",
                salt=PIN_SALT,
                max_age=settings.REPLICA_PIN_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response


def replica_reads(view=None, *, when=None):
    """Let a view's reads go to the replica (GET/HEAD only; ``when(request)`` narrows it further,
    e.g. to the export formats of a list page)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            state = _routing.get()
            if (
                state is None
                or state.pinned
                or request.method not in READ_ONLY_METHODS
                or (when is not None and not when(request))
            ):
                return view(request, *args, **kwargs)
            previous, state.replica_ok = state.replica_ok, True
            try:
                return view(request, *args, **kwargs)
            finally:
                state.replica_ok = previous

        return wrapped

    return decorate(view) if view is not None else decorate


def is_export(request):
    """A list page asked for its CSV or XLSX download."""
    return request.GET.get("format") in ("csv", "xlsx")


@contextmanager
def statements():
    """Every SQL statement run on either alias while the block runs, in order, as (alias, sql): what
    the router chose, for its tests and ``make scale``."""
    seen: list[tuple[str, str]] = []

    def recorder(alias):
        def record(execute, sql, params, many, context):
            seen.append((alias, sql))
            return execute(sql, params, many, context)

        return record

    with (
        connections[DEFAULT_DB_ALIAS].execute_wrapper(recorder(DEFAULT_DB_ALIAS)),
        connections[REPLICA].execute_wrapper(recorder(REPLICA)),
    ):
        yield seen
