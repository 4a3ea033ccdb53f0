"""The supervisor dashboard, its charts and exports, and each role's home page."""

import re
from datetime import datetime, time, timedelta

import pygal
from csp.decorators import csp_exempt
from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import approvals, timers, validation
from accounts.access_log import log_access
from accounts.exports import table_response
from accounts.models import AccessLog, District, Notification, Organization, TimerRun, User
from config.routers import replica_reads
from dashboards import selectors, tiles
from dashboards.summary import figures as summary
from patrols import selectors as patrol_selectors
from patrols import services as patrol_services
from referrals import filters as referral_filters
from referrals import selectors as referral_selectors
from referrals.models import OPEN_STATUSES, Category, DeclineReason, Status
from safety.models import HazardType, HomeVisit

R = User.Role
DEFAULT_DAYS = 182


class DashboardFilters(forms.Form):
    start = validation.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = validation.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    # The choices are the viewer's reach, set per request in __init__; nothing before that.
    district = forms.ModelChoiceField(label=gettext_lazy("District"), queryset=District.objects.none(), required=False)
    station = forms.ModelChoiceField(
        label=gettext_lazy("Station"), required=False, queryset=Organization.objects.none()
    )
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), required=False, queryset=Organization.objects.none())
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), required=False, choices=[("", gettext_lazy("All"))] + list(Category.choices)
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what lies within the viewer's subtree, and the stations its teams serve (as the referral list).
        districts, stations, teams = referral_filters.reach(user)
        self.fields["district"].queryset = districts
        self.fields["station"].queryset = stations
        self.fields["team"].queryset = teams

    def period(self):
        """(start, end, filters) of the dashboard. A filter the form refuses (an id that does not
        exist or lies outside the viewer's reach) is marked ``refused``: it then matches nothing,
        never everything."""
        today = timezone.localdate()
        data = {}
        if self.is_bound:
            self.is_valid()
            data = dict(self.cleaned_data)
            data["refused"] = any(name in self.errors for name in ("district", "station", "team", "category"))
        start = data.get("start") or today - timedelta(days=DEFAULT_DAYS)
        end = data.get("end") or today
        if end < start:
            start, end = end, start
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(start, time.min, tzinfo=tz),
            datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
            data,
        )


def _require_supervisor(user):
    if not user.is_authenticated or not (user.is_supervisor or user.is_administrator):
        raise Http404


def _figures(request, with_tiles=False):
    form = DashboardFilters(request.GET or None, user=request.user)
    start, end, filters = form.period()
    user = request.user
    # The visibility rule on referrals' keys where it can be said so (see summary.visibility): the
    # summary's rows and the referrals counted directly are then narrowed by the keys' indexes.
    visible = summary.visibility(user)
    qs = selectors.querysets_for(user, start, end, filters, visible=visible)
    teams = Organization.objects.filter(kind=Organization.Kind.TEAM)
    if not user.is_administrator:
        teams = teams.filter(path__startswith=user.organization.path) if user.organization else teams.none()
    if filters.get("team"):
        teams = teams.filter(pk=filters["team"].pk)
    if filters.get("refused"):
        teams = teams.none()
    show_social = user.is_administrator or not user.is_police
    show_police = user.is_administrator or user.is_police
    figures = {
        "form": form,
        "start": start,
        "end": end - timedelta(days=1),
        "show_social": show_social,
        "show_police": show_police,
        "definitions": selectors.DEFINITIONS,
    }
    # The counts by day from the summary where it can answer for this viewer; else counted directly.
    rows = summary.rows_for(user, filters, visible)
    figures["summary_refreshed_at"] = summary.refreshed_at() if rows is not None else None
    counts = sums = None
    before = tiles.previous_period(start, end)
    if rows is None:
        figures["referrals"] = selectors.referral_figures(qs["referrals"], qs["due"])
    else:
        sums = summary.period_sums(rows, start, end, before[0])
        figures["referrals"] = summary.referral_figures(sums, qs["referrals"], qs["due"], start, end)
        counts = {"unassigned": sums.current["unassigned"], "needs_reassignment": sums.current["needs_reassignment"]}
    if show_social:
        figures["caseload"] = selectors.caseload_figures(qs["referrals"], teams, counts=counts)
        figures["safety"] = selectors.safety_figures(qs["events"], qs["escorts"], qs["alerts"], qs["follow_ups"])
    if show_police:
        figures["patrols"] = selectors.patrol_figures(
            qs["visits"], qs["persons"], qs["locations"], qs["activities"], qs["reports"]
        )
        period = patrol_services.period_of(day=start.date())
        evaluation = [] if filters.get("refused") else list(patrol_selectors.evaluation_table(user, period))
        for row in evaluation:
            row.grade = patrol_services.grade(total=row.total, false_figures=row.false_figures)
        figures["evaluation"], figures["evaluation_period"] = evaluation, period
    if with_tiles:
        # The headline figures, and the same for the period of equal length just before, to compare.
        scope = {"show_social": show_social, "show_police": show_police}
        headline = selectors.headline_from(figures)
        before_qs = selectors.querysets_for(user, *before, filters, visible=visible)
        if sums is None:
            previous = selectors.headline_figures(before_qs, **scope)
        else:
            previous = summary.headline_figures(sums, before_qs, *before, **scope)
        last_day = (end - timedelta(days=1)).date()
        figures["tiles"] = tiles.build(headline, previous, start=start.date(), end=last_day, filters=filters, **scope)
        figures["previous_start"], figures["previous_end"] = before[0], before[1] - timedelta(days=1)
        filed = {"filed_from": start.date().isoformat(), "filed_to": last_day.isoformat()}
        figures["drill_filed"] = tiles.list_url(**filed, **tiles.scope_params(filters))
        figures["drill_open"] = tiles.list_url(
            **filed, **tiles.scope_params(filters), condition=referral_filters.Condition.OPEN
        )
    return figures


def _invalid(form):
    return form.is_bound and not form.is_valid()


@login_required
@replica_reads  # figures a moment old are fine; it writes nothing but its access log
def dashboard(request):
    _require_supervisor(request.user)
    figures = _figures(request, with_tiles=not request.GET.get("export"))
    invalid = _invalid(figures["form"])  # shown with the default period and the filters' errors
    export = request.GET.get("export")
    if export and invalid:
        return validation.bad_request(request, validation.form_errors(figures["form"]))
    if export:
        return _export(request, figures, export, request.GET.get("format", "csv"))
    figures["query"] = request.GET.urlencode()
    figures["approvals"] = list(approvals.pending_for(request.user)[:10])
    return render(request, "dashboards/dashboard.html", figures, status=400 if invalid else 200)


def _tables(f):
    """Every dashboard table as (title, header, rows), the source of the page's exports."""
    tables = _referral_tables(f["referrals"])
    if "caseload" in f:
        tables |= _social_work_tables(f)
    if "patrols" in f:
        tables |= _patrol_tables(f)
    return tables


def _referral_tables(r):
    statuses, categories = dict(Status.choices), dict(Category.choices)
    return {
        "weekly": (
            _("New referrals per week"),
            [_("Week"), _("Total"), _("Level 1"), _("Level 2"), _("Level 3")],
            [(w["week"].date(), w["total"], w["level_1"], w["level_2"], w["level_3"]) for w in r["weekly"]],
        ),
        "categories": (
            _("New referrals per week by category"),
            [_("Week")] + list(categories.values()),
            [(w["week"].date(), *[w[c] for c in categories]) for w in r["weekly"]],
        ),
        "open": (
            _("Open referrals by status"),
            [_("Status"), _("Count")],
            [(statuses[s], r["totals"][f"open_{s}"]) for s in OPEN_STATUSES],
        ),
        "declines": (
            _("Decline reasons"),
            [_("Reason"), _("Count")],
            [(label, r["totals"][f"decline_{code}"]) for code, label in DeclineReason.choices],
        ),
        "stations": (
            _("Referring volume by station"),
            [_("Station"), _("Referrals")],
            [(x["referring_station__name"], x["n"]) for x in r["by_station"]],
        ),
        "teams": (
            _("Receiving load by team"),
            [_("Team"), _("Referrals")],
            [(x["team__name"] or _("Intake queue"), x["n"]) for x in r["by_team"]],
        ),
        "repeat": (
            _("Households with repeat referrals"),
            [_("Household"), _("Referrals")],
            [(x["household__address"] or x["household_id"], x["n"]) for x in r["repeat_households"]],
        ),
        "quality": (
            _("Referral quality by station"),
            [_("Station"), _("Judged"), _("Appropriate"), _("Most often missing")],
            [
                (x["station"], x["judged"], f"{x['appropriate_pct']}%", x["common_gaps"])
                for x in r["quality"]["by_station"]
            ],
        ),
        "overdue": (
            _("Overdue now"),
            [_("Reference"), _("Team"), _("Acknowledge by")],
            [(x.reference, x.team or _("Intake queue"), x.ack_due_at) for x in r["overdue"]],
        ),
    }


def _social_work_tables(f):
    types = dict(HazardType.choices)
    return {
        "caseload": (
            _("Open cases per worker"),
            [_("Worker"), _("Team"), _("Open cases"), _("Maximum")],
            [
                (w.get_full_name() or w.username, w.organization, w.open_cases, w.maximum)
                for w in f["caseload"]["workers"]
            ],
        ),
        "hazards": (
            _("Hazard events by month"),
            [_("Month"), _("Total"), _("Major")] + list(types.values()),
            [(m["month"].date(), m["total"], m["major"], *[m[t] for t in types]) for m in f["safety"]["by_month"]],
        ),
    }


def _patrol_tables(f):
    return {
        "locations": (
            _("Key locations by type"),
            [_("Type"), _("Total"), _("Suspected")],
            [(x["type"], x["total"], x["suspected"]) for x in f["patrols"]["locations"]],
        ),
        "reports": (
            _("Monthly report submission"),
            [_("Station"), _("Month"), _("Status"), _("Due")],
            [(x.station, x.month.strftime("%Y-%m"), x.get_status_display(), x.due_on) for x in f["patrols"]["reports"]],
        ),
        "evaluation": (
            _("Half-year evaluation"),
            [_("Peer group"), _("Rank"), _("Unit"), _("Beats"), _("Total score"), _("Grade")],
            [(x.group, x.rank, x.unit, x.beats, x.total, x.grade) for x in f["evaluation"]],
        ),
    }


def _export(request, figures, name, fmt):
    tables = _tables(figures)
    if name not in tables or fmt not in ("csv", "xlsx"):
        raise Http404
    title, header, rows = tables[name]
    log_access(request, action=AccessLog.Action.EXPORT, object_type="dashboard", detail=f"{name}.{fmt}")
    return table_response(fmt, f"dashboard-{name}", header, rows, title=title)


SCRIPT_TAG = re.compile(rb"<script.*?</script>", re.DOTALL)
CHART_STYLE = pygal.style.Style(
    background="#ffffff",
    plot_background="#ffffff",
    font_family="sans-serif",
    colors=("#b3261e", "#c77700", "#0b5cad", "#1e6b35", "#6b3fa0", "#555d66"),
)


@csp_exempt()
@login_required
@replica_reads
def chart(request, name):
    """A chart as a standalone SVG image (no script); the page shows the same figures as tables."""
    _require_supervisor(request.user)
    figures = _figures(request)
    if _invalid(figures["form"]):
        return validation.bad_request(request, validation.form_errors(figures["form"]))
    config = {
        "style": CHART_STYLE,
        "width": 720,
        "height": 320,
        "js": [],
        "disable_xml_declaration": False,
        "legend_at_bottom": True,
        "show_y_guides": True,
    }
    if name == "weekly":
        weeks = figures["referrals"]["weekly"]
        svg = pygal.StackedBar(**config, x_label_rotation=30)
        svg.x_labels = [w["week"].strftime("%m-%d") for w in weeks]
        for level in (1, 2, 3):
            svg.add(_("Level %(n)s") % {"n": level}, [w[f"level_{level}"] for w in weeks])
    elif name == "open":
        svg = pygal.Pie(**config, inner_radius=0.4)
        for code, label in Status.choices:
            if code in ("submitted", "acknowledged", "accepted", "in_progress"):
                svg.add(str(label), figures["referrals"]["totals"][f"open_{code}"])
    elif name == "hazards" and "safety" in figures:
        months = figures["safety"]["by_month"]
        svg = pygal.Line(**config)
        svg.x_labels = [m["month"].strftime("%Y-%m") for m in months]
        svg.add(_("Hazard events"), [m["total"] for m in months])
        svg.add(_("Major"), [m["major"] for m in months])
    else:
        raise Http404
    # Shown as an image: scripts would never run, so leave none in the file.
    body = SCRIPT_TAG.sub(b"", svg.render())
    return HttpResponse(body, content_type="image/svg+xml")


# --- home pages ----------------------------------------------------------------------------------
def officer_home(request):
    user = request.user
    return render(
        request,
        "dashboards/home_officer.html",
        {
            "recent": referral_selectors.my_referrals(user)[:10],
            "beat": patrol_selectors.beat_overview(user),
        },
    )


def social_worker_home(request):
    user = request.user
    today = timezone.localdate()
    return render(
        request,
        "dashboards/home_worker.html",
        {
            "cases": referral_selectors.caseload(user)[:20],
            "queue": referral_selectors.team_queue(user, [user.organization_id])[:10] if user.organization_id else [],
            "visits": HomeVisit.objects.filter(workers=user, planned_start__date=today)
            .select_related("referral")
            .order_by("planned_start"),
        },
    )


def coordinator_home(request):
    return render(
        request,
        "dashboards/home_coordinator.html",
        {
            "intake": referral_selectors.intake_queue(request.user)[:25],
            "now": timezone.now(),
        },
    )


def supervisor_home(request):
    return dashboard(request)


def administrator_home(request):
    now = timezone.now()
    return render(
        request,
        "dashboards/home_admin.html",
        {
            "oldest": timers.oldest_overdue(now),
            "runs": TimerRun.objects.order_by("name"),
            "failed": Notification.objects.filter(email_state=Notification.EmailState.FAILED).order_by("-created_at")[
                :50
            ],
            "pending": Notification.objects.filter(email_state=Notification.EmailState.PENDING).count(),
        },
    )
