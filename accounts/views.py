from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.forms import LanguageForm, LoginForm, QueuedPasswordResetForm
from accounts.middleware import SESSION_TZ
from accounts.models import Notification
from accounts.visibility import get_visible_or_404

HOME_VIEWS = {}


def register_home(role, view):
    """Apps may provide a role's home page; the generic one is used otherwise."""
    HOME_VIEWS[role] = view


@login_required
def home(request):
    view = HOME_VIEWS.get(request.user.role)
    if view is not None:
        return view(request)
    return render(request, "accounts/home.html")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if user.organization_id:
            self.request.session[SESSION_TZ] = user.organization.time_zone
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            user.language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = QueuedPasswordResetForm


@require_POST
def set_language(request):
    """Switch the interface language; remembered on the user for e-mails and next sign-in."""
    form = LanguageForm(request.POST)
    next_url = request.POST.get("next") or request.META.get("HTTP_REFERER") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if form.is_valid() and check_for_language(form.cleaned_data["language"]):
        language = form.cleaned_data["language"]
        if request.user.is_authenticated and request.user.language != language:
            request.user.language = language
            request.user.save(update_fields=["language"])
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


@login_required
def notification_list(request):
    qs = Notification.objects.visible_to(request.user)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "accounts/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_visible_or_404(Notification, request.user, pk=pk)
    services.mark_read(notification)
    target = notification.url if notification.url.startswith("/") else "/"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_read(request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications")


@never_cache
def healthz(request):
    """Liveness and readiness for load balancers and compose health checks."""
    from accounts import timers

    status = {"status": "ok"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        status["database"] = "ok"
    except Exception:  # noqa: BLE001 - report, do not raise
        status["database"] = "error"
        status["status"] = "error"
    status["broker"] = broker_state()
    if status["broker"] == "error":
        status["status"] = "degraded"
    oldest = None
    if status["database"] == "ok":
        try:
            oldest = timers.oldest_overdue()
        except Exception:  # noqa: BLE001 - the database went away between the two queries
            status["database"] = status["status"] = "error"
    status["oldest_overdue_timer"] = oldest[0].isoformat() if oldest else None
    return JsonResponse(status, status=200 if status["database"] == "ok" else 503)


def broker_state():
    if not settings.REDIS_URL:
        return "embedded"
    try:
        import redis

        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "error"
