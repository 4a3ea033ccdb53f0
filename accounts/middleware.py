import logging
import time
import zoneinfo

import pghistory.middleware
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.db import connection
from django.shortcuts import redirect, resolve_url
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

SESSION_STARTED = "session_started_at"
SESSION_LAST_SEEN = "session_last_seen_at"
SESSION_TZ = "time_zone"


PASSIVE_HEADER = "HTTP_X_SESSION_PASSIVE"  # a request that asks how long is left without counting as activity


def session_remaining(request, now=None):
    """Seconds until the idle or the absolute limit signs the user out; None when not signed in."""
    session = getattr(request, "session", None)
    if session is None or SESSION_LAST_SEEN not in session:
        return None
    now = now or time.time()
    idle_left = settings.SESSION_IDLE_TIMEOUT - (now - session[SESSION_LAST_SEEN])
    absolute_left = settings.SESSION_ABSOLUTE_TIMEOUT - (now - session.get(SESSION_STARTED, now))
    return max(0, int(min(idle_left, absolute_left)))


def touch_session(request, now=None):
    """Count this moment as activity (the keep-alive button)."""
    request.session[SESSION_LAST_SEEN] = now or time.time()


class SessionTimeoutMiddleware:
    """Sign out after an idle period and after an absolute lifetime.

    Signed-in responses say how long is left (``X-Session-Remaining``), so pages can warn before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(SESSION_STARTED, now)
            last_seen = request.session.get(SESSION_LAST_SEEN, now)
            idle = now - last_seen > settings.SESSION_IDLE_TIMEOUT
            expired = now - started > settings.SESSION_ABSOLUTE_TIMEOUT
            if idle or expired:
                logout(request)
                if not request.path.startswith("/api/"):
                    messages.info(request, _("Your session has ended. Please sign in again."))
                    return redirect(f"{resolve_url(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")
            else:
                request.session.setdefault(SESSION_STARTED, now)
                # Write at most once a minute so reads do not rewrite the session.
                passive = request.META.get(PASSIVE_HEADER) == "1" and SESSION_LAST_SEEN in request.session
                if not passive and (now - last_seen > 60 or SESSION_LAST_SEEN not in request.session):
                    request.session[SESSION_LAST_SEEN] = now
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            remaining = session_remaining(request)
            if remaining is not None:
                response["X-Session-Remaining"] = str(remaining)
        return response


class UserTimezoneMiddleware:
    """Show dates and times in the user's organisation time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tz_name = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = getattr(request, "session", {})
            tz_name = session.get(SESSION_TZ)
            if not tz_name and user.organization_id:
                tz_name = user.organization.time_zone
                if hasattr(request, "session"):
                    request.session[SESSION_TZ] = tz_name
        try:
            timezone.activate(zoneinfo.ZoneInfo(tz_name or settings.TIME_ZONE))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.activate(zoneinfo.ZoneInfo(settings.TIME_ZONE))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class HistoryContextMiddleware(pghistory.middleware.HistoryMiddleware):
    """Attach the acting user to change history. History triggers exist on Postgres only."""

    def __call__(self, request):
        if connection.vendor != "postgresql":
            return self.get_response(request)
        return super().__call__(request)


class HealthCheckMiddleware:
    """Answer /healthz before host validation, so container probes by IP work.

    A caller with a session cookie goes through the normal stack, so signed-in staff see details.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz" and settings.SESSION_COOKIE_NAME not in request.COOKIES:
            from accounts.health import healthz

            return healthz(request)
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """While the database restarts or is unreachable, answer 503 with Retry-After instead of a 500.

    Django's CONN_HEALTH_CHECKS then reconnects on the next request, without manual action.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError
        from django.http import HttpResponse
        from django.utils.translation import gettext as _

        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        logging.getLogger(__name__).warning("database unavailable: %s", type(exception).__name__)
        response = HttpResponse(
            _("The service is briefly unavailable. Please try again in a moment."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response


class AgreementMiddleware:
    """Users accept the information-sharing agreement in force before they go on working.

    Pages redirect to the agreement; the API answers 403 with a pointer to it. Signing out, the
    language switch, static files and the agreement page itself stay open. Service accounts
    (integration clients) are bound by their organisation's contract, not by a click."""

    OPEN_PATHS = ("/accounts/agreement/", "/accounts/logout/", "/accounts/login/", "/i18n/", "/static/", "/jsi18n/")
    ACCEPTED = "agreement_accepted"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(self.OPEN_PATHS):
            blocked = self._blocked(request, user)
            if blocked is not None:
                return blocked
        return self.get_response(request)

    def _blocked(self, request, user):
        from django.http import JsonResponse

        from accounts.agreements import agreement_to_accept

        pending = agreement_to_accept(user, getattr(request, "session", None))
        if pending is None:
            return None
        if request.path.startswith("/api/"):
            message = _("Accept the information-sharing agreement at %(url)s first.") % {"url": "/accounts/agreement/"}
            return JsonResponse({"detail": message}, status=403)
        return redirect(f"{resolve_url('agreement')}?{urlencode({'next': request.get_full_path()})}")
