"""Forms of the lists: queue filters, bulk assignment, search and station-team re-matching."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from referrals import filters as referral_filters
from referrals.forms.actions import team_workers_field
from referrals.models import (
    OPEN_STATUSES,
    Category,
    Level,
    Referral,
    Status,
)

OPEN_STATUS_CHOICES = [Status(s) for s in OPEN_STATUSES]


class QueueFilterForm(forms.Form):
    level = forms.TypedChoiceField(
        label=_("Level"), choices=[("", _("All"))] + list(Level.choices), coerce=int, empty_value=None, required=False
    )
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("All"))] + list(Category.choices), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All open"))] + [(s.value, s.label) for s in OPEN_STATUS_CHOICES],
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        required=False,
        empty_label=_("All"),
        queryset=Organization.objects.filter(kind=Organization.Kind.STATION),
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The stations the viewer's referrals come from, not every station of the city.
        self.fields["station"].queryset = referral_filters.reach(user)[1].order_by("name")

    def apply(self, qs):
        if not self.is_valid():
            return qs
        d = self.cleaned_data
        if d.get("level"):
            qs = qs.filter(level=d["level"])
        if d.get("category"):
            qs = qs.filter(category=d["category"])
        if d.get("status"):
            qs = qs.filter(status=d["status"])
        if d.get("station"):
            qs = qs.filter(referring_station=d["station"])
        if d.get("overdue"):
            qs = qs.filter(status=Status.SUBMITTED, ack_due_at__lt=timezone.now())
        return qs


class BulkAssignForm(forms.Form):
    referrals = forms.ModelMultipleChoiceField(queryset=Referral.objects.none(), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, user, team, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referrals"].queryset = Referral.objects.visible_to(user).filter(
            team=team, status__in=(Status.SUBMITTED, Status.ACKNOWLEDGED)
        )
        self.fields["worker"] = team_workers_field(team)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Reference, name, phone, ID number or address"), max_length=100, required=False)


class RematchForm(forms.Form):
    station = forms.ModelChoiceField(
        label=_("Station"), queryset=Organization.objects.filter(kind=Organization.Kind.STATION)
    )
    team = forms.ModelChoiceField(
        label=_("New team"), queryset=Organization.objects.filter(kind=Organization.Kind.TEAM)
    )
    starts_on = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Handover note"), max_length=300)
    hand_over_open_cases = forms.BooleanField(
        label=_("Hand over open cases"),
        required=False,
        help_text=_(
            "Also transfer accepted and in-progress cases to the new team, each with this note. "
            "Left unticked, they stay with their worker."
        ),
    )
