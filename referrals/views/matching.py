"""Station-team matching: who receives a station's referrals from which day."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.visibility import require_role
from referrals import forms, services
from referrals.models import (
    StationTeamMatch,
)
from referrals.views._base import R, _errors_to_form


@login_required
def matching(request):
    require_role(request.user, R.ADMINISTRATOR)
    form = forms.RematchForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.rematch_station(
                actor=request.user,
                station=d["station"],
                team=d["team"],
                starts_on=d["starts_on"],
                note=d["note"],
                hand_over_open_cases=d["hand_over_open_cases"],
            )
            messages.success(request, _("Matching saved."))
        except ValidationError as exc:
            _errors_to_form(form, exc)
    matches = StationTeamMatch.objects.select_related("station", "team").order_by("station__name", "-starts_on")
    return render(request, "referrals/matching.html", {"form": form, "matches": matches, "report": report})
