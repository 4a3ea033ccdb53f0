"""Filters of the referral list: the conditions the supervisor dashboard counts, so a figure there
and the list behind it are the same query.

The acknowledgement conditions (overdue now, answered late) are defined here once; the dashboard's
selectors count with the same expressions.
"""

from datetime import datetime, time, timedelta

from django import forms
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts import validation
from accounts.models import District, Organization
from referrals.models import AWAITING_ACK, OPEN_STATUSES, Category, ReferralEvent, Status

Kind = ReferralEvent.Kind
# The acknowledgement clock restarts when a referral moves to another team by hand.
CLOCK_RESTARTS = (Kind.TRANSFERRED, Kind.REDIRECTED)
# The receiving team answers a referral by acknowledging it (accepting acknowledges) or by declining it.
ANSWERS = (Kind.ACKNOWLEDGED, Kind.DECLINED)


def _first_event(kinds, after=None):
    events = ReferralEvent.objects.filter(referral=OuterRef("pk"), kind__in=kinds)
    if after is not None:
        events = events.filter(at__gte=OuterRef(after))
    return Subquery(events.order_by("at", "pk").values("at")[:1])


def with_answer(referrals):
    """Annotate ``answered_at`` (the first acknowledgement or decline since the clock last started)
    and ``cancelled_at`` (the police's cancellation), which ON_TIME, WITHDRAWN and LATE read."""
    last_restart = Subquery(
        ReferralEvent.objects.filter(referral=OuterRef("pk"), kind__in=CLOCK_RESTARTS)
        .order_by("-at", "-pk")
        .values("at")[:1]
    )
    return referrals.annotate(clock_start=Coalesce(last_restart, F("filed_at"))).annotate(
        answered_at=_first_event(ANSWERS, after="clock_start"),
        cancelled_at=_first_event((Kind.CANCELLED,)),
    )


# Answered by the deadline of the current clock.
ON_TIME = Q(answered_at__lte=F("ack_due_at"))
# Cancelled by the police before its deadline, unanswered: not counted at all.
WITHDRAWN = Q(status=Status.CANCELLED, answered_at__isnull=True, cancelled_at__lte=F("ack_due_at"))
# Counted and not on time: answered after the deadline, or never answered and not withdrawn.
LATE = Q(answered_at__gt=F("ack_due_at")) | (
    Q(answered_at__isnull=True)
    & (~Q(status=Status.CANCELLED) | Q(cancelled_at__isnull=True) | Q(cancelled_at__gt=F("ack_due_at")))
)


def overdue_now(now=None):
    """Still waiting for acknowledgement, past the deadline."""
    return Q(status__in=AWAITING_ACK, ack_due_at__lt=now or timezone.now())


def unassigned():
    """Open and no worker assigned."""
    return Q(status__in=OPEN_STATUSES, assigned_worker__isnull=True)


def day_bounds(first, last):
    """[first 00:00, the day after last 00:00) in the current time zone."""
    tz = timezone.get_current_timezone()
    return datetime.combine(first, time.min, tzinfo=tz), datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)


def reach(user):
    """The districts, stations and teams a user may filter by: all for an administrator; otherwise
    what lies within the user's organisation and the stations its teams serve."""
    districts = District.objects.all()
    stations = Organization.objects.filter(kind=Organization.Kind.STATION)
    teams = Organization.objects.filter(kind=Organization.Kind.TEAM)
    if user.is_administrator:
        return districts, stations, teams
    org = user.organization
    if org is None:
        return districts.none(), stations.none(), teams.none()
    served = Q(path__startswith=org.path) | Q(team_matches__team__path__startswith=org.path)
    within = Organization.objects.filter(served).values("pk")
    in_districts = Organization.objects.filter(pk__in=within, district__isnull=False).values("district")
    teams = teams.filter(path__startswith=org.path)
    return districts.filter(pk__in=in_districts), stations.filter(pk__in=within), teams


class Condition:
    OPEN = "open"
    OVERDUE = "overdue"
    UNASSIGNED = "unassigned"
    LATE = "late"
    CHOICES = [
        ("", _("Any")),
        (OPEN, pgettext_lazy("referral status", "Open")),
        (OVERDUE, _("Waiting for acknowledgement, past the deadline")),
        (UNASSIGNED, _("Open, without a worker")),
        (LATE, _("Acknowledged late or never")),
    ]


class _ListedChoices(forms.models.ModelChoiceIterator):
    """The choices read in one plain query (Django's iterator opens a server-side cursor: three
    round trips for a dozen rows)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in list(self.queryset):
            yield self.choice(obj)


class ScopeChoiceField(forms.ModelChoiceField):
    iterator = _ListedChoices


class ReferralListFilters(forms.Form):
    """The referral list narrowed like a dashboard figure: the period the referrals were filed in or
    their acknowledgement deadline passed in, the scope (district, station, team, category) and a
    condition. A scope the form refuses (unknown, or outside the viewer's reach) matches nothing."""

    SCOPE = ("district", "station", "team", "category")

    filed_from = validation.DateField(
        label=_("Filed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    filed_to = validation.DateField(label=_("Filed to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_from = validation.DateField(
        label=_("Deadline passed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = validation.DateField(
        label=_("Deadline passed to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    district = ScopeChoiceField(label=_("District"), queryset=District.objects.none(), required=False)
    station = ScopeChoiceField(label=_("Station"), queryset=Organization.objects.none(), required=False)
    team = ScopeChoiceField(label=_("Team"), queryset=Organization.objects.none(), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False, choices=[("", _("All"))] + list(Category.choices))
    condition = forms.ChoiceField(label=_("Condition"), required=False, choices=Condition.CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        districts, stations, teams = reach(user)
        self.fields["district"].queryset = districts
        self.fields["station"].queryset = stations
        self.fields["team"].queryset = teams

    def is_active(self):
        """Whether any filter was asked for (an empty form lists nothing, like an empty search)."""
        return self.is_bound and any(self.data.get(name) for name in self.fields)

    def apply(self, qs, now=None):
        now = now or timezone.now()
        if not self.is_bound:
            return qs
        self.is_valid()
        if any(name in self.errors for name in self.SCOPE):
            return qs.none()
        d = self.cleaned_data
        if d.get("filed_from"):
            qs = qs.filter(filed_at__gte=day_bounds(d["filed_from"], d["filed_from"])[0])
        if d.get("filed_to"):
            qs = qs.filter(filed_at__lt=day_bounds(d["filed_to"], d["filed_to"])[1])
        if d.get("due_from") or d.get("due_to"):
            # The deadline fell in the days asked for and has passed.
            end = day_bounds(d["due_to"], d["due_to"])[1] if d.get("due_to") else now
            qs = qs.filter(ack_due_at__lt=min(end, now))
            if d.get("due_from"):
                qs = qs.filter(ack_due_at__gte=day_bounds(d["due_from"], d["due_from"])[0])
        if d.get("district"):
            qs = qs.filter(district=d["district"])
        if d.get("station"):
            qs = qs.filter(referring_station=d["station"])
        if d.get("team"):
            qs = qs.filter(team=d["team"])
        if d.get("category"):
            qs = qs.filter(category=d["category"])
        condition = d.get("condition")
        if condition == Condition.OPEN:
            qs = qs.filter(status__in=OPEN_STATUSES)
        elif condition == Condition.OVERDUE:
            qs = qs.filter(overdue_now(now))
        elif condition == Condition.UNASSIGNED:
            qs = qs.filter(unassigned())
        elif condition == Condition.LATE:
            qs = with_answer(qs).filter(LATE)
        return qs
