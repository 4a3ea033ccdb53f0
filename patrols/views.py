"""Community-policing pages (police only): thin views over patrols.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_log import log_access, log_reads
from accounts.visibility import get_visible_or_404
from patrols import forms, policy, selectors, services
from patrols.models import (
    Beat,
    BeatHoursChange,
    CommunityActivity,
    KeyLocation,
    MissingPersonReport,
    MonthlyReport,
    PatrolVisit,
    PersonOfConcern,
)
from referrals import policy as referral_policy
from referrals.models import Referral


def _police(user):
    if not user.is_authenticated or not (user.is_police or user.is_administrator):
        raise Http404


def _station_of(user):
    return user.organization if user.organization and user.organization.kind == "station" else None


def _own_station(user, action, provisional):
    """For actions a station takes for itself (adding, logging, taking a report): the user's station when
    the policy lets them act for it; ``None`` when the form is not theirs to offer."""
    station = _station_of(user)
    if station is None:
        return None
    provisional.station = station
    return station if policy.can(user, action, provisional) else None


def _refuse_without(station):
    """A POST from someone with no station to act for: the action is not theirs (403)."""
    if station is None:
        raise PermissionDenied(_("Only a police station can do this."))
    return station


def _with_actions(user, records):
    records = list(records)
    for record in records:
        record.actions = policy.allowed_actions(user, record)
    return records


def _errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errs in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errs)
    else:
        form.add_error(None, exc.messages if hasattr(exc, "messages") else str(exc))


@login_required
def beat(request):
    _police(request.user)
    context = selectors.beat_overview(request.user)
    context["beats"] = _with_actions(request.user, context["beats"])
    context["due"] = list(context["due"])
    log_reads(request, context["due"], detail="beat page")
    context["pending_changes"] = _with_actions(
        request.user,
        BeatHoursChange.objects.visible_to(request.user)
        .filter(status=BeatHoursChange.Status.PENDING)
        .select_related("beat__station"),
    )
    context["hours_form"] = forms.BeatHoursForm()
    return render(request, "patrols/beat.html", context)


@login_required
@require_POST
def beat_hours(request, pk):
    _police(request.user)
    beat_obj = get_visible_or_404(Beat, request.user, pk=pk)
    form = forms.BeatHoursForm(request.POST)
    if form.is_valid():
        # A refusal (PermissionDenied) answers 403: the beat is visible, the action is not the user's.
        try:
            change = services.change_beat_hours(
                actor=request.user,
                beat=beat_obj,
                new_hours=form.cleaned_data["new_hours"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(
                request,
                _("Hours changed.")
                if change.status == BeatHoursChange.Status.APPROVED
                else _("The reduction waits for the station head's approval."),
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Give the new hours and a reason."))
    return redirect("patrols:beat")


@login_required
@require_POST
def beat_hours_decide(request, pk):
    _police(request.user)
    change = get_visible_or_404(BeatHoursChange.objects.select_related("beat__station"), request.user, pk=pk)
    try:
        services.decide_beat_hours(actor=request.user, change=change, approve=request.POST.get("approve") == "1")
        messages.success(request, _("Decision recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("patrols:beat")


@login_required
def person(request, pk):
    _police(request.user)
    poc = get_visible_or_404(PersonOfConcern.objects.select_related("station", "beat"), request.user, pk=pk)
    log_access(request, poc)
    visits = list(poc.visits.all()[:20])
    log_reads(request, visits, detail="person page")
    form = forms.VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_visit(actor=request.user, person=poc, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Visit %(ref)s recorded.") % {"ref": visit.reference})
            return redirect(visit)
    return render(
        request,
        "patrols/person.html",
        {
            "poc": poc,
            "actions": policy.allowed_actions(request.user, poc),
            "form": form,
            "child_form": forms.ChildForm(),
            "children": services.children_of(person=poc),
            "visits": visits,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def add_child(request, pk):
    _police(request.user)
    poc = get_visible_or_404(PersonOfConcern, request.user, pk=pk)
    form = forms.ChildForm(request.POST)
    if form.is_valid():
        try:
            services.add_child(actor=request.user, person=poc, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Child recorded."))
    else:
        messages.error(request, _("Give the child's name and age (under 18)."))
    return redirect("patrols:person", pk=poc.pk)


@login_required
def visit(request, pk):
    _police(request.user)
    obj = get_visible_or_404(
        PatrolVisit.objects.select_related("person", "station", "notified_station"), request.user, pk=pk
    )
    log_access(request, obj)
    raise_url = (
        reverse("referrals:file") + "?" + urlencode({"origin": "patrol_visit", "origin_reference": obj.reference})
    )
    return render(
        request,
        "patrols/visit.html",
        {
            "visit": obj,
            "referral": services.referral_for_visit(visit=obj, user=request.user),
            "raise_url": raise_url,
            "can_raise": referral_policy.can(
                request.user, "file", Referral(created_by=request.user, referring_station=request.user.organization)
            ),
        },
    )


@login_required
def locations(request):
    _police(request.user)
    qs = KeyLocation.objects.visible_to(request.user).select_related("station")
    if request.GET.get("status") in KeyLocation.Status.values:
        qs = qs.filter(status=request.GET["status"])
    station = _own_station(request.user, "add_location", KeyLocation())
    form = forms.KeyLocationForm(request.POST or None, user=request.user, station=station)
    if request.method == "POST" and _refuse_without(station) and form.is_valid():
        try:
            location = services.add_key_location(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Location added."))
            return redirect(location)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "patrols/locations.html",
        {"page": page, "form": form if station else None},
        status=400 if form.errors else 200,
    )


@login_required
def location(request, pk):
    _police(request.user)
    obj = get_visible_or_404(KeyLocation.objects.select_related("station"), request.user, pk=pk)
    form = forms.InspectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.inspect_location(actor=request.user, location=obj, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect(obj)
    return render(
        request,
        "patrols/location.html",
        {
            "location": obj,
            "actions": policy.allowed_actions(request.user, obj),
            "form": form,
            "inspections": obj.inspections.all()[:20],
        },
        status=400 if form.errors else 200,
    )


@login_required
def missing(request):
    _police(request.user)
    form = forms.MissingPersonForm(request.POST or None)
    station = _own_station(request.user, "take_missing_report", MissingPersonReport())
    if request.method == "POST" and _refuse_without(station) and form.is_valid():
        try:
            report = services.take_missing_person_report(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Missing-person report %(ref)s taken.") % {"ref": report.reference})
            return redirect("patrols:missing")
    reports = MissingPersonReport.objects.visible_to(request.user).select_related("station")[:100]
    return render(
        request,
        "patrols/missing.html",
        {"form": form if station else None, "reports": reports},
        status=400 if form.errors else 200,
    )


@login_required
def activities(request):
    _police(request.user)
    form = forms.ActivityForm(request.POST or None)
    station = _own_station(request.user, "log_activity", CommunityActivity())
    if request.method == "POST" and _refuse_without(station) and form.is_valid():
        try:
            services.log_activity(actor=request.user, station=station, **form.cleaned_data)
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Activity logged."))
            return redirect("patrols:activities")
    items = CommunityActivity.objects.visible_to(request.user).select_related("station")[:100]
    return render(
        request,
        "patrols/activities.html",
        {"form": form if station else None, "activities": items},
        status=400 if form.errors else 200,
    )


@login_required
def reports(request):
    """Reading the list writes nothing: last month's report is opened by the timer or, before it runs,
    by the station head with the button (a POST)."""
    _police(request.user)
    station = _own_station(request.user, "open_report", MonthlyReport())
    month = services.last_month(today=timezone.localdate())
    can_open = station is not None and not MonthlyReport.objects.filter(station=station, month=month).exists()
    qs = MonthlyReport.objects.visible_to(request.user).select_related("station")[:100]
    return render(request, "patrols/reports.html", {"reports": qs, "can_open": can_open, "month": month})


@login_required
@require_POST
def report_open(request):
    _police(request.user)
    station = _refuse_without(_own_station(request.user, "open_report", MonthlyReport()))
    report = services.open_month_report(actor=request.user, station=station)
    return redirect(report)


@login_required
def report(request, pk):
    _police(request.user)
    obj = get_visible_or_404(MonthlyReport.objects.select_related("station", "submitted_by"), request.user, pk=pk)
    submitted = obj.status == MonthlyReport.Status.SUBMITTED
    figures = obj.figures if submitted else services.compute_figures(station=obj.station, month=obj.month)
    actions = policy.allowed_actions(request.user, obj)
    form = forms.AmendmentForm(request.POST or None, figures=figures)
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_report(
                actor=request.user, report=obj, figures=form.figures(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Amendment recorded; the original stays as submitted."))
            return redirect(obj)
    return render(
        request,
        "patrols/report.html",
        {
            "report": obj,
            "figures": figures,
            "figures_as_submitted": submitted,
            "actions": actions,
            "amendments": obj.amendments.select_related("made_by"),
            "amend_form": form if "amend_report" in actions else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def report_submit(request, pk):
    _police(request.user)
    obj = get_visible_or_404(MonthlyReport, request.user, pk=pk)
    try:
        services.submit_report(actor=request.user, report=obj)
        messages.success(request, _("Report submitted and locked."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(obj)


@login_required
def evaluation(request):
    _police(request.user)
    if not (request.user.is_supervisor or request.user.is_administrator):
        raise Http404
    period = request.GET.get("period") or services.period_of(day=timezone.localdate())
    rows = list(selectors.evaluation_table(request.user, period[:7]))
    for row in rows:
        row.grade = services.grade(total=row.total, false_figures=row.false_figures)
    return render(request, "patrols/evaluation.html", {"rows": rows, "period": period[:7]})
