"""Lists: my referrals, the triage and intake queues, caseload, escalations, search and exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access_log import log_access, log_search
from accounts.exports import table_response
from accounts.models import AccessLog, Organization
from accounts.visibility import require_role
from config.routers import is_export, replica_reads
from referrals import forms, selectors, services
from referrals.filters import ReferralListFilters
from referrals.models import (
    STATUS_CODES,
    Category,
    Referral,
    ReferralEscalation,
    Status,
)
from referrals.views._base import R, _decorate_rows, _messages_of, _page, _query_without_page


@login_required
@replica_reads(when=is_export)  # the CSV/XLSX download only; the page itself lists what was just done
def my_referrals(request):
    require_role(request.user, R.OFFICER)
    qs = selectors.my_referrals(request.user)
    filters = forms.QueueFilterForm(request.GET or None, user=request.user)
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
@replica_reads(when=is_export)  # the CSV/XLSX download only; the page itself lists what was just done
def queue(request):
    require_role(request.user, R.SOCIAL_WORKER, R.SUPERVISOR)
    if request.user.is_police:
        raise Http404
    teams = list(_queue_teams(request.user).order_by("name"))
    team = _chosen_team(request, teams)
    qs = selectors.team_queue(request.user, [team.pk] if team else [t.pk for t in teams])
    filters = forms.QueueFilterForm(request.GET or None, user=request.user)
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
        done, refused = services.bulk_accept(
            actor=request.user, referrals=form.cleaned_data["referrals"], worker=form.cleaned_data["worker"]
        )
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
    services.acknowledge_escalation(actor=request.user, escalation=escalation)
    messages.success(request, _("You are now responsible for this escalation."))
    return redirect("referrals:escalations")


def _visible_escalation(user, pk, visible):
    escalation = ReferralEscalation.objects.filter(referral__in=visible, pk=pk).first()
    if escalation is None or user.is_police:
        raise Http404
    return escalation


@login_required
@replica_reads
def search(request):
    form = forms.SearchForm(request.GET or None)
    filters = ReferralListFilters(request.GET or None, user=request.user)
    results, more, too_broad = None, False, False
    if form.is_valid() and (form.cleaned_data["q"] or filters.is_active()):
        term = form.cleaned_data["q"] or _query_without_page(request)
        if form.cleaned_data["q"]:
            found = selectors.search_results(request.user, term)
            # Without filters the page reads its rows by the matches' ids, in their order.
            matches = (
                filters.apply(found.referrals)
                if filters.is_active()
                else selectors.search_rows(request.user, found.ids)
            )
            results, more, too_broad = _page(request, matches), found.more, found.too_broad
        else:
            results = _page(request, filters.apply(selectors.listed(request.user)))
        count = results.paginator.count
        log_search(request, term, "too-broad" if too_broad else f"{count}+" if more else count)
    context = {
        "form": form,
        "filters": filters,
        "page": results,
        "more": more,
        "too_broad": too_broad,
        "query": _query_without_page(request),
    }
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
    statuses, categories = dict(Status.choices), dict(Category.choices)
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
