"""Fixed-window counters in the cache (Redis in production, per process in embedded mode)."""

from django.core.cache import cache


def allow(scope, key, limit, window):
    """Count one hit for ``key`` in ``scope``; False once more than ``limit`` hits fell in ``window`` seconds."""
    cache_key = f"ratelimit:{scope}:{key}"
    if cache.add(cache_key, 1, timeout=window):
        return True
    try:
        return cache.incr(cache_key) <= limit
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        return True
