"""Pre-visit pages: the risk checklist, its override, route notes and the supervisor's escort fallback.
Thin views over safety.assessment, safety.route_notes and safety.escort_fallback."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_log import log_access, log_reads
from accounts.visibility import get_visible_or_404
from safety import forms_planning, policy
from safety.models import EscortFallback, HomeVisit, VisitRiskAssessment
from safety.services import assessment, escort_fallback, route_notes
from safety.views._base import _errors, _flash, _social_work


def _form_errors(form):
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def planning_context(user, referral, address, form=None):
    """What the planning page shows beside the visit form: the checklist, the table and the route notes."""
    found = assessment.from_records(referral=referral, address=address)
    points = assessment.score(answers={k: bool(v) for k, v in found.items()})
    return {
        "assessment_form": form or forms_planning.AssessmentForm(found=found),
        "prefill_score": points,
        "prefill_recommendation": assessment.recommend(points=points).label,
        "score_table": assessment.table(),
        "route_notes": route_notes.notes_for(user=user, address=address),
    }


def visit_context(request, visit):
    """The visit page's pre-visit parts (checklist result, escort fallback, route notes)."""
    user = request.user
    found = VisitRiskAssessment.objects.filter(visit=visit).select_related("override_by").first()
    fallbacks = list(visit.escort_fallbacks.select_related("escort__station", "added_worker", "resolved_by"))
    for fallback in fallbacks:
        fallback.actions = policy.allowed_actions(user, fallback)
        if "assign_second_worker" in fallback.actions:
            fallback.assign_form = forms_planning.SecondWorkerForm(
                actor=user, fallback=fallback, prefix=f"fb{fallback.pk}"
            )
            fallback.postpone_form = forms_planning.PostponeForm(prefix=f"fb{fallback.pk}")
    blockers = []
    if visit.status == HomeVisit.Status.PLANNED:
        blockers = [r for r in (escort_fallback.start_refusal(visit=visit), assessment.start_refusal(visit=visit)) if r]
    return {
        "assessment": found,
        "assessment_rows": assessment.checklist(answers=found.answers, found=found.from_records) if found else [],
        "score_table": assessment.table(),
        "assessment_override_form": forms_planning.AssessmentOverrideForm(),
        "fallbacks": fallbacks,
        "start_blockers": blockers,
        "route_notes": route_notes.notes_for(user=user, address=visit.address),
        "route_note_form": forms_planning.RouteNoteForm(),
    }


def _visit(request, pk):
    return get_visible_or_404(
        HomeVisit.objects.select_related("referral__team", "referral__household"), request.user, pk=pk
    )


@login_required
def visit_assessment(request, pk):
    """Answer the checklist again (a planned visit): e.g. after learning of a dog, or a later time."""
    visit = _visit(request, pk)
    current = VisitRiskAssessment.objects.filter(visit=visit).first()
    found = assessment.from_records(
        referral=visit.referral, address=visit.address, planned_start=visit.planned_start, visit=visit
    )
    form = forms_planning.AssessmentForm(request.POST or None, answers=current.answers if current else {}, found=found)
    if request.method == "POST" and form.is_valid():
        try:
            assessment.assess_visit(actor=request.user, visit=visit, answers=form.answers())
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Risk assessment saved."))
            return redirect(visit)
    log_access(request, visit, detail="risk assessment")
    return render(
        request,
        "safety/visit_assessment.html",
        {
            "visit": visit,
            "form": form,
            "score_table": assessment.table(),
            "route_notes": route_notes.notes_for(user=request.user, address=visit.address),
            "may_assess": policy.can(request.user, "assess_visit", visit),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def assessment_override(request, pk):
    visit = _visit(request, pk)
    form = forms_planning.AssessmentOverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(visit)
    try:
        assessment.override_assessment(actor=request.user, visit=visit, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("The visit may go ahead below the recommendation."))
    return redirect(visit)


@login_required
@require_POST
def route_note_add(request, pk):
    visit = _visit(request, pk)
    form = forms_planning.RouteNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(visit)
    try:
        route_notes.add_route_note(actor=request.user, visit=visit, text=form.cleaned_data["text"])
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Route note saved."))
    return redirect(visit)


# --- the supervisor's escort fallback -------------------------------------------------------------------
def _fallback(request, pk):
    return get_visible_or_404(EscortFallback.objects.select_related("visit__referral__team"), request.user, pk=pk)


def _may(request, action, fallback):
    """Refuse (403) before reading any input; False (with the reason shown) when the task is settled."""
    try:
        policy.require(request.user, action, fallback)
    except ValidationError as exc:
        _flash(request, exc)
        return False
    return True


@login_required
def fallbacks(request):
    _social_work(request.user)
    rows = list(
        EscortFallback.objects.visible_to(request.user)
        .filter(status=EscortFallback.Status.OPEN)
        .select_related("visit__referral", "escort__station")
        .order_by("visit__planned_start")[:200]
    )
    log_reads(request, rows)
    return render(request, "safety/escort_fallbacks.html", {"fallbacks": rows})


@login_required
@require_POST
def fallback_assign(request, pk):
    fallback = _fallback(request, pk)
    if not _may(request, "assign_second_worker", fallback):
        return redirect(fallback.visit)
    form = forms_planning.SecondWorkerForm(request.POST, actor=request.user, fallback=fallback, prefix=f"fb{pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(fallback.visit)
    try:
        escort_fallback.assign_second_worker(
            actor=request.user, fallback=fallback, worker=form.cleaned_data["worker"], note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Second worker assigned; the visit may start."))
    return redirect(fallback.visit)


@login_required
@require_POST
def fallback_postpone(request, pk):
    fallback = _fallback(request, pk)
    if not _may(request, "postpone_visit", fallback):
        return redirect(fallback.visit)
    form = forms_planning.PostponeForm(request.POST, prefix=f"fb{pk}")
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(fallback.visit)
    try:
        escort_fallback.postpone_visit(
            actor=request.user,
            fallback=fallback,
            planned_start=form.cleaned_data["planned_start"],
            note=form.cleaned_data["note"],
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("Visit postponed."))
    return redirect(fallback.visit)
