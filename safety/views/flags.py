"""Risk flags: adding one to a referral's household and removing one with a reason."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.visibility import get_visible_or_404
from referrals.models import Referral
from safety import forms, services
from safety.models import RiskFlag
from safety.views._base import _errors, _social_work


@login_required
def flag_for_referral(request, referral_pk):
    _social_work(request.user)
    referral = get_visible_or_404(Referral.objects.select_related("household"), request.user, pk=referral_pk)
    persons = [link.person for link in referral.person_links.select_related("person")]
    form = forms.RiskFlagForm(request.POST or None)
    target = request.POST.get("target", "household")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = next((p for p in persons if f"person-{p.pk}" == target), None)
        if person is not None:
            data["person"] = person
        elif referral.household_id:
            data["household"] = referral.household
        else:
            data["address"] = referral.incident_place
        try:
            services.add_risk_flag(actor=request.user, referral=referral, **data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Risk flag added."))
            return redirect(referral)
    return render(
        request,
        "safety/flag_form.html",
        {"form": form, "referral": referral, "persons": persons},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def flag_remove(request, pk):
    """Take a risk flag off, or ask a supervisor to (a social worker's request waits for approval)."""
    flag = get_visible_or_404(RiskFlag, request.user, pk=pk)
    try:
        result = services.remove_risk_flag(actor=request.user, flag=flag, reason=request.POST.get("reason", "")[:500])
    except ValidationError as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        removed = isinstance(result, RiskFlag)
        messages.success(request, _("Risk flag removed.") if removed else _("Sent to a supervisor for approval."))
    target = request.POST.get("next", "")
    return redirect(target if url_has_allowed_host_and_scheme(target, {request.get_host()}) and target else "/")
