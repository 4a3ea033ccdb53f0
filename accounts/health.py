"""/healthz: liveness and readiness for load balancers and compose health checks."""

import hmac

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache


@never_cache
def healthz(request):
    """Liveness and readiness for load balancers and compose health checks.

    Anonymous callers learn only "up" or "down" (200 or 503); signed-in staff and probes with
    HEALTHZ_TOKEN also get the database, broker and timer state.
    """
    from accounts import timers

    database_ok = _database_ok()
    code = 200 if database_ok else 503
    if not _may_see_health_details(request):
        return JsonResponse({"status": "up" if database_ok else "down"}, status=code)
    status = {"status": "ok", "database": "ok" if database_ok else "error"}
    if not database_ok:
        status["status"] = "error"
    status["broker"] = broker_state()
    if status["broker"] == "error" and database_ok:
        status["status"] = "degraded"
    oldest = None
    if database_ok:
        try:
            oldest = timers.oldest_overdue()
        except Exception:  # noqa: BLE001 - the database went away between the two queries
            status["database"] = status["status"] = "error"
            code = 503
    status["oldest_overdue_timer"] = oldest[0].isoformat() if oldest else None
    return JsonResponse(status, status=code)


def _database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - report, do not raise
        return False


def _may_see_health_details(request):
    token = settings.HEALTHZ_TOKEN
    offered = request.headers.get("X-Healthz-Token", "")
    if token and offered and hmac.compare_digest(offered.encode(), token.encode()):
        return True
    user = getattr(request, "user", None)  # absent when the middleware answers before authentication
    return bool(user is not None and user.is_authenticated and (user.is_staff or user.is_administrator))


def broker_state():
    if not settings.REDIS_URL:
        return "embedded"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "error"
