"""Pages for filing, triaging and working referrals. Thin: forms validate, services act."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.exports import table_response
from accounts.models import AccessLog, Approval, Organization, User
from accounts.services import log_access, log_search
from accounts.visibility import get_visible_or_404, require_role
from referrals import forms, household, lookups, prefill, selectors, services
from referrals.filters import ReferralListFilters
from referrals.models import (
    OUTCOME_NEXT_STEP,
    STATUS_CODES,
    CaseNote,
    Household,
    Referral,
    ReferralEscalation,
    ReferralEvent,
    StationTeamMatch,
    Status,
)

R = User.Role
PAGE_SIZE = 25
FORM_TOKEN_PREFIX = "form:"  # filing-page tokens share the idempotency table with API keys, apart by prefix


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request):
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- filing -----------------------------------------------------------------------------
@login_required
def file_referral(request):
    require_role(request.user, R.OFFICER)
    origin = request.GET.get("origin", "") or request.POST.get("origin", "")
    origin_reference = request.GET.get("origin_reference", "") or request.POST.get("origin_reference", "")
    filled = prefill.prefill_for(request.user, origin, origin_reference) if origin else None
    if request.method == "POST":
        formset = _person_formset(request.user, filled, request.POST)
        people = formset.people() if formset.is_valid() else forms.raw_people(formset)
        form = forms.ReferralForm(request.POST, user=request.user, prefill=filled)
        if "check" not in request.POST and form.is_valid() and formset.is_valid():
            referral, created = _submit(request, form, formset)
            if referral is not None and not created:
                messages.info(
                    request, _("Referral %(ref)s was already filed from this page.") % {"ref": referral.reference}
                )
                return redirect(referral)
            if referral is not None:
                messages.success(request, _("Referral %(ref)s filed.") % {"ref": referral.reference})
                if referral.link_requests.exists():
                    messages.info(request, _("The intake desk will check the possible match and link it."))
                return redirect(referral)
    else:
        form, formset = _blank_forms(request.user, filled)
        people = forms.raw_people(formset) if filled else []
    suggestions = _suggestions(request, people, request.POST.get("incident_place", ""))
    return render(
        request,
        "referrals/file.html",
        {
            "form": form,
            "formset": formset,
            "suggestions": suggestions,
            "prefill": filled,
        },
    )


def _person_formset(user, filled, data=None, initial=None):
    prefilled = [p for p, _role in filled.persons] if filled is not None else []
    return forms.PersonFormSet(
        data, prefix="persons", initial=initial, form_kwargs={"user": user, "prefilled": prefilled}
    )


def _blank_forms(user, filled):
    initial = {}
    persons = []
    if filled is not None:
        initial = {
            "category": filled.category,
            "incident_place": filled.incident_place,
            "narrative": filled.narrative,
            "origin": "patrol_visit",
            "origin_reference": filled.origin_reference,
            "household": filled.household.pk if filled.household else None,
        }
        if filled.incident_at:
            initial["incident_at"] = filled.incident_at
        persons = [
            {
                "role": role,
                "name": p.name,
                "sex": p.sex,
                "date_of_birth": p.date_of_birth,
                "estimated_age": p.estimated_age,
                "phone": p.phone,
                "address": p.address,
                "existing": p.pk,
            }
            for p, role in filled.persons
        ]
    form = forms.ReferralForm(
        user=user, prefill=filled, initial={k: v for k, v in initial.items() if v not in (None, "")}
    )
    formset = _person_formset(user, filled, initial=persons or None)
    if persons:
        formset.data = {}
    return form, formset


def _submit(request, form, formset):
    """(referral, created): the page's one-time token is claimed with the filing, in one transaction,
    so a double click or a resent form files once and answers with the first referral."""
    persons = [f.as_person() for f in formset.forms if f.has_changed()]
    try:
        return services.submit_referral_once(
            request.user,
            idempotency_key=f"{FORM_TOKEN_PREFIX}{form.cleaned_data['form_token']}",
            request_hash=FORM_TOKEN_PREFIX,
            persons=persons,
            **form.referral_fields(),
        )
    except ValidationError as exc:
        _errors_to_form(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    except services.IdempotencyConflict:
        form.add_error("form_token", form.fields["form_token"].error_messages["invalid"])
    return None, False


def _errors_to_form(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _suggestions(request, people, address):
    """Suggestions for the filing page: None when there is nothing to look up or the user may not."""
    if not selectors.lookup_terms(people, address) or not lookups.may_look_up(request.user):
        return None
    if not lookups.allowed_now(request):
        return {"throttled": True}
    found = lookups.look_up(request, people, address)
    return found if found and any(found.values()) else None


@login_required
@require_POST
def file_suggestions(request):
    """htmx: suggestions while the officer types the persons' details."""
    require_role(request.user, R.OFFICER)
    if not lookups.may_look_up(request.user):
        raise Http404
    formset = _person_formset(request.user, None, request.POST)
    suggestions = _suggestions(request, forms.raw_people(formset), request.POST.get("incident_place", ""))
    return render(request, "referrals/_suggestions.html", {"suggestions": suggestions})


# --- lists -------------------------------------------------------------------------------
@login_required
def my_referrals(request):
    require_role(request.user, R.OFFICER)
    qs = selectors.my_referrals(request.user)
    filters = forms.QueueFilterForm(request.GET or None)
    qs = filters.apply(qs) if request.GET else qs
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export(request, qs, "my-referrals")
    return render(
        request,
        "referrals/mine.html",
        {
            "page": _page(request, qs),
            "filters": filters,
            "query": _query_without_page(request),
        },
    )


def _queue_teams(user):
    org = user.organization
    if user.is_administrator:
        return Organization.objects.filter(kind=Organization.Kind.TEAM)
    if org is None:
        return Organization.objects.none()
    if user.is_social_worker:
        return Organization.objects.filter(pk=org.pk, kind=Organization.Kind.TEAM)
    return Organization.objects.subtree_of(org).filter(kind=Organization.Kind.TEAM)


@login_required
def queue(request):
    require_role(request.user, R.SOCIAL_WORKER, R.SUPERVISOR)
    if request.user.is_police:
        raise Http404
    teams = list(_queue_teams(request.user).order_by("name"))
    team = _chosen_team(request, teams)
    qs = selectors.team_queue(request.user, [team.pk] if team else [t.pk for t in teams])
    filters = forms.QueueFilterForm(request.GET or None)
    qs = filters.apply(qs)
    if request.GET.get("format") in ("csv", "xlsx"):
        return _export(request, qs, "triage-queue")
    page = _page(request, qs)
    page.object_list = _decorate_rows(request.user, page.object_list)
    context = {
        "page": page,
        "filters": filters,
        "teams": teams,
        "team": team,
        "query": _query_without_page(request),
        "now": timezone.now(),
        "bulk_form": forms.BulkAssignForm(user=request.user, team=team) if team else None,
    }
    return render(request, "referrals/queue.html", context)


def _decorate_rows(user, referrals):
    """Risk badges (one query whatever the number of rows) and the actions the policy offers on each row."""
    from safety.services import active_flags_for

    rows = list(referrals)
    flags = active_flags_for(households={r.household_id for r in rows if r.household_id})
    for r in rows:
        r.risk_flags = [f for f in flags if f.household_id == r.household_id]
        r.actions = services.allowed_actions(user, r)
    return rows


def _chosen_team(request, teams):
    if len(teams) == 1:
        return teams[0]
    wanted = request.GET.get("team")
    return next((t for t in teams if str(t.pk) == wanted), None)


@login_required
@require_POST
def bulk_assign(request):
    require_role(request.user, R.SOCIAL_WORKER, R.SUPERVISOR)
    if request.user.is_police:
        raise Http404
    if not request.POST.get("team"):
        messages.error(request, _("Choose the referrals and a worker."))
        return redirect("referrals:queue")
    teams = list(_queue_teams(request.user))
    team = next((t for t in teams if str(t.pk) == request.POST.get("team")), None)
    if team is None:
        raise Http404
    form = forms.BulkAssignForm(request.POST, user=request.user, team=team)
    if form.is_valid():
        done, refused = services.bulk_accept(request.user, form.cleaned_data["referrals"], form.cleaned_data["worker"])
        messages.success(request, _("%(n)d referrals assigned.") % {"n": len(done)})
        for referral, exc in refused:
            messages.error(request, f"{referral.reference}: {' '.join(_messages_of(exc))}")
    else:
        messages.error(request, _("Choose the referrals and a worker."))
    return redirect(f"{reverse('referrals:queue')}?{urlencode({'team': team.pk})}")


@login_required
def intake(request):
    require_role(request.user, R.INTAKE_COORDINATOR)
    qs = selectors.intake_queue(request.user)
    return render(request, "referrals/intake.html", {"page": _page(request, qs), "now": timezone.now()})


@login_required
def caseload(request):
    require_role(request.user, R.SOCIAL_WORKER)
    team = request.user.organization
    counts = list(selectors.caseload_counts(team)) if team else []
    return render(
        request,
        "referrals/caseload.html",
        {
            "cases": selectors.caseload(request.user),
            "counts": counts,
            "team": team,
            "maximum": team.caseload_max if team else 0,
        },
    )


@login_required
def escalations(request):
    require_role(request.user, R.SUPERVISOR, R.INTAKE_COORDINATOR)
    if request.user.is_police:
        raise Http404
    visible = Referral.objects.visible_to(request.user).values("pk")
    items = (
        ReferralEscalation.objects.filter(referral__in=visible)
        .select_related("referral", "referral__team", "acknowledged_by")
        .order_by("acknowledged_at", "-fired_at")[:200]
    )
    return render(
        request,
        "referrals/escalations.html",
        {
            "escalations": items,
            "reassign": selectors.needs_reassignment(request.user)[:200],
            "overdue": selectors.visible_referrals(request.user)
            .filter(status=Status.SUBMITTED, ack_due_at__lt=timezone.now())
            .order_by("ack_due_at")[:200],
        },
    )


@login_required
@require_POST
def acknowledge_escalation(request, pk):
    require_role(request.user, R.SUPERVISOR, R.INTAKE_COORDINATOR)
    visible = Referral.objects.visible_to(request.user).values("pk")
    escalation = _visible_escalation(request.user, pk, visible)
    # A refusal (PermissionDenied) answers 403: the escalation is visible, the action is not the user's.
    services.acknowledge_escalation(request.user, escalation)
    messages.success(request, _("You are now responsible for this escalation."))
    return redirect("referrals:escalations")


def _visible_escalation(user, pk, visible):
    escalation = ReferralEscalation.objects.filter(referral__in=visible, pk=pk).first()
    if escalation is None or user.is_police:
        raise Http404
    return escalation


@login_required
def search(request):
    form = forms.SearchForm(request.GET or None)
    filters = ReferralListFilters(request.GET or None, user=request.user)
    results = None
    if form.is_valid() and (form.cleaned_data["q"] or filters.is_active()):
        term = form.cleaned_data["q"] or _query_without_page(request)
        found = selectors.search(request.user, term) if form.cleaned_data["q"] else selectors.listed(request.user)
        results = _page(request, filters.apply(found))
        log_search(request, term, results.paginator.count)
    context = {"form": form, "filters": filters, "page": results, "query": _query_without_page(request)}
    return render(request, "referrals/search.html", context)


def _export(request, qs, name):
    fmt = request.GET.get("format")
    rows = qs.values_list(
        "reference",
        "status",
        "level",
        "category",
        "referring_station__name",
        "team__name",
        "assigned_worker__username",
        "filed_at",
        "ack_due_at",
        "updated_at",
        "outcome",
    )
    statuses, categories = dict(Status.choices), dict(forms.Category.choices)
    data = (
        (ref, statuses.get(st, st), STATUS_CODES[st][0], lvl, categories.get(cat, cat), station, team, worker)
        + (filed, due, upd, out)
        for ref, st, lvl, cat, station, team, worker, filed, due, upd, out in rows.iterator(chunk_size=2000)
    )
    header = [
        _("Reference"),
        _("Status"),
        _("Status code"),
        _("Level"),
        _("Category"),
        _("Station"),
        _("Team"),
        _("Worker"),
        _("Filed at"),
        _("Acknowledge by"),
        _("Last update"),
        _("Outcome"),
    ]
    log_access(request, action=AccessLog.Action.EXPORT, object_type="referral", detail=f"{name}.{fmt}")
    return table_response(fmt, name, header, data, title=name)


# --- the case page -------------------------------------------------------------------------
@login_required
def detail(request, pk):
    referral = get_visible_or_404(
        Referral.objects.select_related(
            "team", "referring_station", "assigned_worker", "referring_officer", "household", "linked_to"
        ),
        request.user,
        pk=pk,
    )
    log_access(request, referral)
    return render(request, "referrals/detail.html", _detail_context(request, referral))


def _detail_context(request, referral, **forms_with_errors):
    user = request.user
    actions = services.allowed_actions(user, referral)
    events = ReferralEvent.objects.visible_to(user).filter(referral=referral).select_related("actor")
    notes = CaseNote.objects.visible_to(user).filter(referral=referral).select_related("author")
    persons = referral.person_links.select_related("person").order_by("id")
    related = []
    if referral.household_id:
        related = list(
            selectors.visible_referrals(user).filter(household_id=referral.household_id).exclude(pk=referral.pk)[:20]
        )
    flags = []
    if not user.reads_shared_view:
        from safety.services import active_flags_for

        flags = active_flags_for(
            households=[referral.household_id] if referral.household_id else [],
            persons=[link.person_id for link in persons],
        )
    feedback = list(referral.feedback.select_related("team"))
    waiting = []
    if not user.reads_shared_view:
        waiting = list(
            Approval.objects.filter(
                kind__startswith="referral.", object_id=referral.pk, state=Approval.State.PENDING
            ).select_related("requested_by")
        )
    linked_to = None
    if referral.linked_to_id:
        linked_to = selectors.visible_referrals(user).filter(pk=referral.linked_to_id).first()
    context = {
        "referral": referral,
        "feedback": feedback,
        "waiting_approval": waiting,
        "linked_to": linked_to,
        "pending_links": selectors.link_requests_to_decide(user, referral),
        "flags": flags,
        "actions": actions,
        "events": events,
        "notes": notes,
        "persons": persons,
        "related": related,
        "next_step": OUTCOME_NEXT_STEP.get(referral.outcome, ""),
        "acknowledge_rule": services.acknowledge_rule(referral) if referral.awaiting_acknowledgement else "",
        "show_internal": not user.reads_shared_view,
        "safety_actions": _safety_actions(user, referral),
        "escalation_rows": referral.escalations.all() if not user.reads_shared_view else [],
        "now": timezone.now(),
    }
    blank = {
        "accept": forms.AcceptForm(referral=referral) if "accept" in actions else None,
        "decline": forms.DeclineForm() if "decline" in actions else None,
        "transfer": forms.TransferForm(referral=referral) if "transfer" in actions else None,
        "cancel": forms.CancelForm() if "cancel" in actions else None,
        "first_contact": forms.FirstContactForm() if "first_contact" in actions else None,
        "close": forms.CloseForm() if "close" in actions else None,
        "reassign": forms.ReassignForm(referral=referral) if "reassign" in actions else None,
        "note": forms.NoteForm(user=user) if "note" in actions else None,
        "confirm_level": forms.LevelForm(initial={"level": referral.level}) if "confirm_level" in actions else None,
        "dispatch": forms.DispatchForm(referral=referral) if "dispatch" in actions else None,
        "redirect": forms.RedirectForm(referral=referral) if "redirect" in actions else None,
        "share": forms.ShareForm(referral=referral) if "share" in actions else None,
        "feedback": forms.FeedbackForm() if "feedback" in actions and not feedback else None,
        "return": forms.ReturnForm() if "return" in actions else None,
        "resubmit": forms.ResubmitForm() if "resubmit" in actions else None,
        "re_refer": forms.ReReferForm() if "re_refer" in actions else None,
        "fail": forms.FailForm() if "fail" in actions else None,
    }
    blank.update(forms_with_errors)
    context["forms"] = blank
    return context


def _safety_actions(user, referral):
    """Visit planning and risk flags offered on the case page, as the safety policy allows."""
    from safety import policy as safety_policy

    if not referral.is_open:
        return set()
    return {action for action in ("plan_visit", "add_flag") if safety_policy.can(user, action, referral)}


def _feedback(data):
    if data.get("appropriate") in (None, ""):
        return None
    return {"appropriate": data["appropriate"], "gaps": data.get("gaps") or []}


# Each action: (form factory or None, call(user, referral, cleaned_data), success message)
ACTIONS = {
    "acknowledge": (None, lambda u, r, d: services.acknowledge_referral(u, r), _("Acknowledged.")),
    "accept": (
        lambda data, r, u: forms.AcceptForm(data, referral=r),
        lambda u, r, d: services.accept_referral(u, r, d.get("worker"), feedback=_feedback(d)),
        _("Accepted."),
    ),
    "decline": (
        lambda data, r, u: forms.DeclineForm(data),
        lambda u, r, d: services.decline_referral(u, r, d["reason"], d["note"], feedback=_feedback(d)),
        _("Declined."),
    ),
    "return": (
        lambda data, r, u: forms.ReturnForm(data),
        lambda u, r, d: services.return_to_referrer(u, r, d["needed"]),
        _("Returned to the referring officer."),
    ),
    "resubmit": (
        lambda data, r, u: forms.ResubmitForm(data),
        lambda u, r, d: services.resubmit_referral(u, r, d["added"]),
        _("Resubmitted to the team."),
    ),
    "re_refer": (
        lambda data, r, u: forms.ReReferForm(data),
        lambda u, r, d: services.re_refer(u, r, d["agency"], d["reason"]),
        _("Re-referred."),
    ),
    "fail": (
        lambda data, r, u: forms.FailForm(data),
        lambda u, r, d: services.record_failure(u, r, d["reason"], d["note"]),
        _("Recorded as not served."),
    ),
    "feedback": (
        lambda data, r, u: forms.FeedbackForm(data),
        lambda u, r, d: services.give_feedback(u, r, appropriate=d["appropriate"], gaps=d["gaps"]),
        _("Thank you: the referring station will see your feedback."),
    ),
    "transfer": (
        lambda data, r, u: forms.TransferForm(data, referral=r),
        lambda u, r, d: services.transfer_referral(u, r, d["team"], d["note"]),
        _("Transferred."),
    ),
    "cancel": (
        lambda data, r, u: forms.CancelForm(data),
        lambda u, r, d: services.cancel_referral(u, r, d["reason"]),
        _("Cancelled."),
    ),
    "first_contact": (
        lambda data, r, u: forms.FirstContactForm(data),
        lambda u, r, d: services.record_first_contact(u, r, d["at"], d["note"]),
        _("First contact recorded."),
    ),
    "close": (
        lambda data, r, u: forms.CloseForm(data),
        lambda u, r, d: services.close_referral(u, r, d["outcome"], d["summary"], d["referred_to"]),
        _("Closed."),
    ),
    "reassign": (
        lambda data, r, u: forms.ReassignForm(data, referral=r),
        lambda u, r, d: services.reassign_referral(u, r, d["worker"], d["note"]),
        _("Reassigned."),
    ),
    "note": (
        lambda data, r, u: forms.NoteForm(data, user=u),
        lambda u, r, d: services.add_note(u, r, d["text"], d.get("visibility", CaseNote.Visibility.SHARED)),
        _("Note added."),
    ),
    "confirm_level": (
        lambda data, r, u: forms.LevelForm(data),
        lambda u, r, d: services.confirm_level(u, r, d["level"]),
        _("Triage level confirmed."),
    ),
    "dispatch": (
        lambda data, r, u: forms.DispatchForm(data, referral=r),
        lambda u, r, d: services.dispatch_referral(u, r, d["team"], d["note"]),
        _("Dispatched."),
    ),
    "redirect": (
        lambda data, r, u: forms.RedirectForm(data, referral=r),
        lambda u, r, d: services.redirect_referral(u, r, d["team"], d["note"]),
        _("Redirected."),
    ),
    "share": (
        lambda data, r, u: forms.ShareForm(data, referral=r),
        lambda u, r, d: services.share_with_worker(u, r, d["worker"]),
        _("Shared."),
    ),
    "confirm_link": (
        lambda data, r, u: forms.LinkDecisionForm(data, referral=r),
        lambda u, r, d: services.confirm_link(u, d["link"]),
        _("Linked to the existing household."),
    ),
    "reject_link": (
        lambda data, r, u: forms.LinkDecisionForm(data, referral=r),
        lambda u, r, d: services.reject_link(u, d["link"]),
        _("Marked as not the same household."),
    ),
}


@login_required
@require_POST
def act(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    referral = get_visible_or_404(Referral.objects.select_related("team", "referring_station"), request.user, pk=pk)
    make_form, call, done = ACTIONS[action]
    form = make_form(request.POST, referral, request.user) if make_form else None
    if form is not None and not form.is_valid():
        return _action_failed(request, referral, action, form)
    try:
        result = call(request.user, referral, form.cleaned_data if form else {})
    except ValidationError as exc:
        if form is None:
            messages.error(request, " ".join(_messages_of(exc)))
            return _after_action(request, referral)
        _errors_to_form(form, exc)
        return _action_failed(request, referral, action, form)
    if isinstance(result, Approval):
        done = _("Sent to a supervisor for approval.")
    messages.success(request, f"{referral.reference}: {done}")
    return _after_action(request, referral)


def _messages_of(exc):
    return exc.messages if hasattr(exc, "messages") else [str(exc)]


def _action_failed(request, referral, action, form):
    if request.htmx:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return _after_action(request, referral)
    return render(request, "referrals/detail.html", _detail_context(request, referral, **{action: form}), status=400)


def _after_action(request, referral):
    """htmx from a queue row: re-render just that row; otherwise back where the user came from."""
    if request.htmx and request.POST.get("row"):
        fresh = selectors.visible_referrals(request.user).filter(pk=referral.pk).first()
        if fresh is not None:
            _decorate_rows(request.user, [fresh])
        return render(request, "referrals/_queue_row.html", {"r": fresh, "now": timezone.now(), "in_place": True})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    if Referral.objects.visible_to(request.user).filter(pk=referral.pk).exists():
        return redirect(referral)
    return redirect("home")


# --- administration of matching ----------------------------------------------------------------
@login_required
def matching(request):
    require_role(request.user, R.ADMINISTRATOR)
    form = forms.RematchForm(request.POST or None)
    report = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = services.rematch_station(
                request.user, d["station"], d["team"], d["starts_on"], d["note"], d["hand_over_open_cases"]
            )
            messages.success(request, _("Matching saved."))
        except ValidationError as exc:
            _errors_to_form(form, exc)
    matches = StationTeamMatch.objects.select_related("station", "team").order_by("station__name", "-starts_on")
    return render(request, "referrals/matching.html", {"form": form, "matches": matches, "report": report})


@login_required
def household_timeline(request, pk):
    """Every record touching a household across agencies; what the viewer may not see shows only its holder."""
    require_role(request.user, R.SOCIAL_WORKER, R.SUPERVISOR, R.INTAKE_COORDINATOR)
    if request.user.is_police:
        raise Http404
    home = get_visible_or_404(Household, request.user, pk=pk)
    log_access(request, home, detail="household timeline")
    context = {
        "household": home,
        "entries": household.timeline(request.user, home),
        "workers": household.workers_around(home),
    }
    return render(request, "referrals/household.html", context)
