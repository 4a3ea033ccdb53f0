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

from accounts.services import log_access
from accounts.visibility import get_visible_or_404
from patrols import forms, selectors, services
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


def _police(user):
    if not user.is_authenticated or not (user.is_police or user.is_administrator):
        raise Http404


def _station_of(user):
    return user.organization if user.organization and user.organization.kind == "station" else None


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
    context["pending_changes"] = (
        BeatHoursChange.objects.visible_to(request.user)
        .filter(status=BeatHoursChange.Status.PENDING)
        .select_related("beat")
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
        try:
            change = services.change_beat_hours(
                request.user, beat_obj, form.cleaned_data["new_hours"], form.cleaned_data["reason"]
            )
            messages.success(
                request,
                _("Hours changed.")
                if change.status == "approved"
                else _("The reduction waits for the station head's approval."),
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Give the new hours and a reason."))
    return redirect("patrols:beat")


@login_required
@require_POST
def beat_hours_decide(request, pk):
    change = get_visible_or_404(BeatHoursChange.objects.select_related("beat__station"), request.user, pk=pk)
    try:
        services.decide_beat_hours(request.user, change, request.POST.get("approve") == "1")
        messages.success(request, _("Decision recorded."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("patrols:beat")


@login_required
def person(request, pk):
    _police(request.user)
    poc = get_visible_or_404(PersonOfConcern.objects.select_related("station", "beat"), request.user, pk=pk)
    log_access(request, poc)
    form = forms.VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_visit(request.user, poc, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("Visit %(ref)s recorded.") % {"ref": visit.reference})
            return redirect(visit)
    return render(
        request,
        "patrols/person.html",
        {
            "poc": poc,
            "form": form,
            "child_form": forms.ChildForm(),
            "children": services.children_of(poc),
            "visits": poc.visits.all()[:20],
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
        services.add_child(request.user, poc, **form.cleaned_data)
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
            "referral": services.referral_for_visit(obj, request.user),
            "raise_url": raise_url,
            "can_raise": request.user.is_officer or request.user.is_administrator,
        },
    )


@login_required
def locations(request):
    _police(request.user)
    qs = KeyLocation.objects.visible_to(request.user).select_related("station")
    if request.GET.get("status") in KeyLocation.Status.values:
        qs = qs.filter(status=request.GET["status"])
    form = forms.KeyLocationForm(request.POST or None)
    station = _station_of(request.user)
    if request.method == "POST" and station and form.is_valid():
        location = services.add_key_location(request.user, station, **form.cleaned_data)
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
            services.inspect_location(request.user, obj, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("Inspection recorded."))
            return redirect(obj)
    return render(
        request,
        "patrols/location.html",
        {
            "location": obj,
            "form": form,
            "inspections": obj.inspections.all()[:20],
        },
        status=400 if form.errors else 200,
    )


@login_required
def missing(request):
    _police(request.user)
    form = forms.MissingPersonForm(request.POST or None)
    station = _station_of(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.take_missing_person_report(request.user, station, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
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
    station = _station_of(request.user)
    if request.method == "POST" and station and form.is_valid():
        services.log_activity(request.user, station, **form.cleaned_data)
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
    _police(request.user)
    station = _station_of(request.user)
    if station is not None:
        last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
        services.open_report(station, last_month)
    qs = MonthlyReport.objects.visible_to(request.user).select_related("station")[:100]
    return render(request, "patrols/reports.html", {"reports": qs})


@login_required
def report(request, pk):
    _police(request.user)
    obj = get_visible_or_404(MonthlyReport.objects.select_related("station", "submitted_by"), request.user, pk=pk)
    figures = (
        obj.figures
        if obj.status == MonthlyReport.Status.SUBMITTED
        else services.compute_figures(obj.station, obj.month)
    )
    form = forms.AmendmentForm(request.POST or None, figures=figures)
    if request.method == "POST" and form.is_valid():
        try:
            services.amend_report(request.user, obj, form.figures(), form.cleaned_data["reason"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(form, exc if isinstance(exc, ValidationError) else ValidationError(str(exc)))
        else:
            messages.success(request, _("Amendment recorded; the original stays as submitted."))
            return redirect(obj)
    return render(
        request,
        "patrols/report.html",
        {
            "report": obj,
            "figures": figures,
            "amendments": obj.amendments.select_related("made_by"),
            "amend_form": form if obj.status == MonthlyReport.Status.SUBMITTED else None,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def report_submit(request, pk):
    _police(request.user)
    obj = get_visible_or_404(MonthlyReport, request.user, pk=pk)
    try:
        services.submit_report(request.user, obj)
        messages.success(request, _("Report submitted and locked."))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect(obj)


@login_required
def evaluation(request):
    _police(request.user)
    if not (request.user.is_supervisor or request.user.is_administrator):
        raise Http404
    period = request.GET.get("period") or services.period_of(timezone.localdate())
    rows = list(selectors.evaluation_table(request.user, period[:7]))
    for row in rows:
        row.grade = services.grade(row.total, row.false_figures)
    return render(request, "patrols/evaluation.html", {"rows": rows, "period": period[:7]})
