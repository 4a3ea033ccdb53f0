"""Police escort requests as the station answers them, and safety alerts as supervisors take them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_log import log_reads
from accounts.visibility import get_visible_or_404
from safety import forms, policy, services
from safety.models import EscortRequest, SafetyAlert
from safety.views._base import _flash, _social_work


@login_required
def escorts(request):
    qs = EscortRequest.objects.visible_to(request.user).select_related("station", "visit__referral")
    if not (request.user.is_police or request.user.is_administrator):
        _social_work(request.user)
    escorts = list(qs[:200])
    log_reads(request, escorts)
    for escort in escorts:
        escort.actions = policy.allowed_actions(request.user, escort)
    return render(request, "safety/escorts.html", {"escorts": escorts, "answer_form": forms.EscortAnswerForm()})


@login_required
@require_POST
def escort_answer(request, pk):
    escort = get_visible_or_404(EscortRequest.objects.select_related("station", "visit__referral"), request.user, pk=pk)
    form = forms.EscortAnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("safety:escorts")
    try:
        services.answer_escort(
            actor=request.user, escort=escort, accept=form.cleaned_data["accept"], reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Answer sent."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("safety:escorts")


@login_required
def alerts(request):
    _social_work(request.user)
    alerts = list(
        SafetyAlert.objects.visible_to(request.user).select_related(
            "visit__referral__team",
            "escort__visit__referral__team",
            "event__team",
            "follow_up__event__team",
            "acknowledged_by",
        )[:200]
    )
    log_reads(request, alerts)
    for alert in alerts:
        alert.actions = policy.allowed_actions(request.user, alert)
    return render(request, "safety/alerts.html", {"alerts": alerts, "resolve_form": forms.ResolveAlertForm()})


@login_required
@require_POST
def alert_act(request, pk, action):
    alert = get_visible_or_404(SafetyAlert, request.user, pk=pk)
    try:
        if action == "acknowledge":
            services.acknowledge_alert(actor=request.user, alert=alert)
        elif action == "resolve":
            form = forms.ResolveAlertForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose how the alert ended."))
            services.resolve_alert(
                actor=request.user,
                alert=alert,
                resolution=form.cleaned_data["resolution"],
                note=form.cleaned_data["note"],
            )
        else:
            raise Http404
        messages.success(request, _("Alert updated."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("safety:alerts")
