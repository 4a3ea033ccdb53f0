from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import access_log, agreements, hooks, ratelimit, services
from accounts.forms import LanguageForm, LoginForm, QueuedPasswordResetForm
from accounts.middleware import SESSION_TZ, AgreementMiddleware
from accounts.models import Agreement, Notification
from accounts.policy import may_receive_push
from accounts.visibility import get_visible_or_404


@dataclass(frozen=True)
class HomeView:
    """A role's home page, registered under ``hooks.HOME_VIEWS``; the generic one is used otherwise."""

    role: str
    view: Callable


def _home_view(role):
    return next((h.view for h in hooks.get_hooks(hooks.HOME_VIEWS) if h.role == role), None)


@login_required
def home(request):
    view = _home_view(request.user.role)
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
    """Reset links by e-mail, limited per client address (429) and per account (silently: no more mail)."""

    form_class = QueuedPasswordResetForm

    def post(self, request, *args, **kwargs):
        address = access_log.client_ip(request) or "unknown"
        if not ratelimit.allow("password-reset-address", address, settings.PASSWORD_RESET_LIMIT_PER_ADDRESS, 3600):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many requests from your address. Please try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)


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
    return render(request, "accounts/notifications.html", {"page": page, "offer_push": may_receive_push(request.user)})


@login_required
@require_POST
def notification_open(request, pk):
    notification = get_visible_or_404(Notification, request.user, pk=pk)
    services.mark_read(notification=notification)
    target = notification.url if notification.url.startswith("/") else "/"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request):
    count = services.mark_all_read(user=request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications")


@login_required
def agreement(request):
    """The information-sharing agreement in force: read it, accept it, go back to where you were."""
    pending = agreements.agreement_to_accept(request.user)
    current = pending or Agreement.objects.current_for(request.user)
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    if request.method == "POST" and pending is not None:
        if request.POST.get("accept") != "yes":
            messages.error(request, _("Tick the box to accept the agreement, or sign out."))
        else:
            agreements.accept_agreement(request.user, pending, request)
            request.session[AgreementMiddleware.ACCEPTED] = pending.pk
            messages.success(request, _("Thank you. Your acceptance is recorded."))
            return redirect(target)
    return render(request, "accounts/agreement.html", {"agreement": current, "pending": pending, "next": target})


@login_required
def approval_queue(request):
    """Decisions waiting for this supervisor's approval (404 for everyone who decides none)."""
    from accounts import approvals

    user = request.user
    if not (user.is_administrator or (user.is_supervisor and not user.is_police)):
        raise Http404
    return render(request, "accounts/approvals.html", {"pending": approvals.pending_for(user)[:200]})


@login_required
@require_POST
def approval_decide(request, pk):
    from django.core.exceptions import PermissionDenied, ValidationError

    from accounts import approvals

    approval = get_object_or_404(approvals.pending_for(request.user), pk=pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("Choose to approve or to reject."))
        return redirect("approvals")
    try:
        services.decide_approval(
            actor=request.user,
            approval=approval,
            approve=decision == "approve",
            reason=request.POST.get("reason", "")[:1000],
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        return redirect("approvals")
    messages.success(request, _("%(record)s: decided.") % {"record": approval.label})
    return redirect("approvals")
