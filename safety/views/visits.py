"""Home visits: the list, planning, the visit page and its actions, duress codes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_log import log_access, log_reads
from accounts.visibility import get_visible_or_404, require_role
from referrals.models import Referral
from safety import forms, forms_planning, policy, services
from safety.models import HomeVisit
from safety.services import assessment
from safety.views import offline, planning
from safety.views._base import R, _errors, _flash, _social_work


@login_required
def visits(request):
    _social_work(request.user)
    qs = (
        HomeVisit.objects.visible_to(request.user)
        .select_related("referral")
        .prefetch_related("workers")
        .order_by("-planned_start")
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    log_reads(request, page.object_list)
    return render(
        request, "safety/visits.html", {"page": page, "may_set_code": policy.may_ever(request.user, "set_duress_code")}
    )


@login_required
def visit_plan(request, referral_pk):
    _social_work(request.user)
    referral = get_visible_or_404(Referral.objects.select_related("team", "household"), request.user, pk=referral_pk)
    form = forms.VisitForm(request.POST or None, referral=referral, user=request.user)
    # The pre-visit risk checklist (safety.assessment), prefilled from the records.
    address = (referral.household.address if referral.household_id else "") or referral.incident_place
    found = assessment.from_records(referral=referral, address=address)
    checklist = forms_planning.AssessmentForm(request.POST or None, found=found)
    if request.method == "POST" and form.is_valid() and checklist.is_valid():
        try:
            visit = services.plan_assessed_visit(
                actor=request.user, referral=referral, answers=checklist.answers(), **form.cleaned_data
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Visit planned."))
            return redirect(visit)
    flags = services.active_flags_for(households=[referral.household_id] if referral.household_id else [])
    return render(
        request,
        "safety/visit_plan.html",
        {"form": form, "referral": referral, "flags": flags}
        | planning.planning_context(request.user, referral, address, checklist),
        status=400 if form.errors else 200,
    )


def _visit(request, pk):
    return get_visible_or_404(
        HomeVisit.objects.select_related("referral", "referral__team", "override_by"), request.user, pk=pk
    )


@login_required
def visit_detail(request, pk):
    visit = _visit(request, pk)
    log_access(request, visit)
    return render(
        request,
        "safety/visit.html",
        {
            "visit": visit,
            "actions": policy.allowed_actions(request.user, visit),
            "flags": services.flags_for_visit(visit=visit),
            "blocked": visit.status == HomeVisit.Status.PLANNED and services.solo_visit_blocked(visit=visit),
            "escorts": visit.escort_requests.select_related("station"),
            "checkin_form": forms.CheckInForm(),
            "checkout_form": forms.CheckOutForm(),
            "override_form": forms.OverrideForm(),
            "escort_form": forms.EscortRequestForm(visit=visit),
        }
        | planning.visit_context(request, visit)
        | offline.offline_context(visit),
    )


def _plain(form_class):
    return lambda data, visit: form_class(data)


# action slug -> (form for the POST, or None; the service call; the message on success)
VISIT_ACTIONS = {
    "start": (None, lambda u, v, d: services.start_visit(actor=u, visit=v), _("Visit started. Stay safe.")),
    "check-in": (
        _plain(forms.CheckInForm),
        lambda u, v, d: services.check_in(actor=u, visit=v, extend_minutes=d.get("extend_minutes") or 0),
        _("Checked in."),
    ),
    # The same message for a normal and a duress check-out: nothing on screen may differ.
    "check-out": (
        _plain(forms.CheckOutForm),
        lambda u, v, d: services.check_out(actor=u, visit=v, code=d.get("code", "")),
        _("Checked out."),
    ),
    "alarm": (None, lambda u, v, d: services.raise_alarm(actor=u, visit=v), _("Alarm raised. Help is being sent.")),
    "override": (
        _plain(forms.OverrideForm),
        lambda u, v, d: services.override_solo_visit(actor=u, visit=v, reason=d["reason"]),
        _("One-worker visit allowed."),
    ),
    "escort": (
        lambda data, visit: forms.EscortRequestForm(data, visit=visit),
        lambda u, v, d: services.request_escort(actor=u, visit=v, **d),
        _("Escort requested."),
    ),
}


@login_required
@require_POST
def visit_act(request, pk, action):
    if action not in VISIT_ACTIONS:
        raise Http404
    visit = _visit(request, pk)
    make_form, call, done = VISIT_ACTIONS[action]
    form = make_form(request.POST, visit) if make_form else None
    if form is not None and not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect(visit)
    try:
        call(request.user, visit, form.cleaned_data if form else {})
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, done)
    return redirect(visit)


@login_required
def duress_code(request):
    require_role(request.user, R.SOCIAL_WORKER)
    form = forms.DuressCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_duress_code(user=request.user, code=form.cleaned_data["code"])
        messages.success(request, _("Duress code saved."))
        return redirect("safety:visits")
    return render(request, "safety/duress_code.html", {"form": form})
