"""Safety pages: thin views over safety.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.services import log_access, log_reads
from accounts.visibility import get_visible_or_404, require_role
from referrals.models import Referral
from safety import assessment, forms, forms_planning, policy, services
from safety.models import EscortRequest, FollowUpItem, HazardAttachment, HazardEvent, HomeVisit, RiskFlag, SafetyAlert

R = User.Role
SOCIAL = (R.SOCIAL_WORKER, R.SUPERVISOR, R.INTAKE_COORDINATOR)


def _social_work(user):
    require_role(user, *SOCIAL)
    if user.is_police:
        raise Http404


def _errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages)


def _flash(request, exc):
    messages.error(request, " ".join(exc.messages) if hasattr(exc, "messages") else str(exc))


# --- hazard events ----------------------------------------------------------------------------
@login_required
def events(request):
    _social_work(request.user)
    qs = HazardEvent.objects.visible_to(request.user).select_related("team", "worker")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    log_reads(request, page.object_list)
    return render(
        request, "safety/events.html", {"page": page, "may_report": policy.may_ever(request.user, "report_event")}
    )


@login_required
def event_new(request):
    _social_work(request.user)
    form = forms.HazardEventForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        worker = data.pop("worker") or request.user
        attachments = data.pop("attachments") or []
        data.pop("offender_person", None)
        try:
            event = services.report_hazard_event(request.user, worker=worker, attachments=attachments, **data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Hazard event %(ref)s reported.") % {"ref": event.reference})
            return redirect(event)
    return render(request, "safety/event_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def event_detail(request, pk):
    event = get_visible_or_404(HazardEvent.objects.select_related("team", "worker", "reported_by"), request.user, pk=pk)
    log_access(request, event)
    user = request.user
    items = [
        (
            item,
            forms.FollowUpForm(instance=item, prefix=f"f{item.pk}")
            if policy.can(user, "update_follow_up", item)
            else None,
        )
        for item in event.follow_ups.select_related("owner")
    ]
    return render(
        request,
        "safety/event_detail.html",
        {
            "event": event,
            "items": items,
            "actions": policy.allowed_actions(user, event),
            "review_form": forms.ReviewFlagForm(),
            "attachments": event.attachments.all(),
        },
    )


@login_required
@require_POST
def event_review(request, pk):
    event = get_visible_or_404(HazardEvent, request.user, pk=pk)
    form = forms.ReviewFlagForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the review."))
        return redirect(event)
    try:
        services.flag_for_review(request.user, event, form.cleaned_data["reason"])
        messages.success(request, _("Marked as a major hazard event for review."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect(event)


@login_required
@require_POST
def follow_up_update(request, pk):
    item = get_visible_or_404(FollowUpItem.objects.select_related("event"), request.user, pk=pk)
    form = forms.FollowUpForm(request.POST, instance=FollowUpItem.objects.get(pk=item.pk), prefix=f"f{item.pk}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.update_follow_up(
                request.user, item, owner=d["owner"], due_on=d["due_on"], status=d["status"], note=d["note"]
            )
        except ValidationError as exc:
            _flash(request, exc)
        else:
            messages.success(request, _("Follow-up updated."))
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(item.event)


@login_required
def attachment(request, pk):
    visible = HazardEvent.objects.visible_to(request.user).values("pk")
    item = HazardAttachment.objects.filter(event__in=visible, pk=pk).first()
    if item is None:
        raise Http404
    log_access(request, item.event, detail=f"attachment {item.pk}")
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


# --- visits ----------------------------------------------------------------------------------
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
    found = assessment.from_records(referral, address)
    checklist = forms_planning.AssessmentForm(request.POST or None, found=found)
    if request.method == "POST" and form.is_valid() and checklist.is_valid():
        try:
            visit = assessment.plan_assessed_visit(
                request.user, referral, answers=checklist.answers(), **form.cleaned_data
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
        | views_planning.planning_context(request.user, referral, address, checklist),
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
            "flags": services.flags_for_visit(visit),
            "blocked": visit.status == HomeVisit.Status.PLANNED and services.solo_visit_blocked(visit),
            "escorts": visit.escort_requests.select_related("station"),
            "checkin_form": forms.CheckInForm(),
            "checkout_form": forms.CheckOutForm(),
            "override_form": forms.OverrideForm(),
            "escort_form": forms.EscortRequestForm(visit=visit),
        }
        | views_planning.visit_context(request, visit),
    )


def _plain(form_class):
    return lambda data, visit: form_class(data)


# action slug -> (form for the POST, or None; the service call; the message on success)
VISIT_ACTIONS = {
    "start": (None, lambda u, v, d: services.start_visit(u, v), _("Visit started. Stay safe.")),
    "check-in": (
        _plain(forms.CheckInForm),
        lambda u, v, d: services.check_in(u, v, d.get("extend_minutes") or 0),
        _("Checked in."),
    ),
    # The same message for a normal and a duress check-out: nothing on screen may differ.
    "check-out": (
        _plain(forms.CheckOutForm),
        lambda u, v, d: services.check_out(u, v, d.get("code", "")),
        _("Checked out."),
    ),
    "alarm": (None, lambda u, v, d: services.raise_alarm(u, v), _("Alarm raised. Help is being sent.")),
    "override": (
        _plain(forms.OverrideForm),
        lambda u, v, d: services.override_solo_visit(u, v, d["reason"]),
        _("One-worker visit allowed."),
    ),
    "escort": (
        lambda data, visit: forms.EscortRequestForm(data, visit=visit),
        lambda u, v, d: services.request_escort(u, v, **d),
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


# --- escorts (police side) ---------------------------------------------------------------------
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
        services.answer_escort(request.user, escort, form.cleaned_data["accept"], form.cleaned_data["reason"])
        messages.success(request, _("Answer sent."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("safety:escorts")


# --- alerts, flags, duress code ----------------------------------------------------------------
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
            services.acknowledge_alert(request.user, alert)
        elif action == "resolve":
            form = forms.ResolveAlertForm(request.POST)
            if not form.is_valid():
                raise ValidationError(_("Choose how the alert ended."))
            services.resolve_alert(request.user, alert, form.cleaned_data["resolution"], form.cleaned_data["note"])
        else:
            raise Http404
        messages.success(request, _("Alert updated."))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect("safety:alerts")


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
            services.add_risk_flag(request.user, referral=referral, **data)
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
def duress_code(request):
    require_role(request.user, R.SOCIAL_WORKER)
    form = forms.DuressCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.set_duress_code(request.user, form.cleaned_data["code"])
        messages.success(request, _("Duress code saved."))
        return redirect("safety:visits")
    return render(request, "safety/duress_code.html", {"form": form})


@login_required
@require_POST
def flag_remove(request, pk):
    """Take a risk flag off, or ask a supervisor to (a social worker's request waits for approval)."""
    flag = get_visible_or_404(RiskFlag, request.user, pk=pk)
    try:
        result = services.remove_risk_flag(request.user, flag, request.POST.get("reason", "")[:500])
    except ValidationError as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        removed = isinstance(result, RiskFlag)
        messages.success(request, _("Risk flag removed.") if removed else _("Sent to a supervisor for approval."))
    target = request.POST.get("next", "")
    return redirect(target if url_has_allowed_host_and_scheme(target, {request.get_host()}) and target else "/")


from safety import views_planning  # noqa: E402 - the pre-visit pages build on the helpers above
