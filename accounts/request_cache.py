"""Values computed once per HTTP request (e.g. the ids a visibility rule reads first).

Outside a request (services called from tasks, shells, tests) nothing is kept: every call computes
afresh, so a change made there is seen at once. Within a request, code that changes what a key
depends on calls ``forget``."""

from collections.abc import Callable, Hashable
from contextvars import ContextVar
from typing import Any, TypeVar

T = TypeVar("T")

_store: ContextVar[dict[Hashable, Any] | None] = ContextVar("request_cache", default=None)


def remember(key: Hashable, compute: Callable[[], T]) -> T:
    store = _store.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]  # type: ignore[no-any-return]


def forget(key: Hashable) -> None:
    store = _store.get()
    if store is not None:
        store.pop(key, None)


class RequestCacheMiddleware:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        token = _store.set({})
        try:
            return self.get_response(request)
        finally:
            _store.reset(token)
