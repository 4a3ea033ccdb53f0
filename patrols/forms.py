from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization
from patrols.models import (
    INDICATORS,
    Beat,
    CommunityActivity,
    KeyLocation,
    MissingPersonReport,
    Outcome,
    SuspectedSite,
    Topic,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def stations():
    return Organization.objects.filter(kind=Organization.Kind.STATION, is_active=True).order_by("name")


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(label=_("Visited at"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS)
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    side_visit_note = forms.CharField(
        label=_("Side visit (側訪)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when the person refuses."),
    )
    new_address = forms.CharField(label=_("Where the person is now"), max_length=255, required=False)
    notified_station = forms.ModelChoiceField(
        label=_("Station covering the new address"), required=False, queryset=stations()
    )
    children_present = forms.IntegerField(
        label=_("Children living in the household"), min_value=0, max_value=30, initial=0
    )
    child_care_checked = forms.BooleanField(label=_("Children's care checked"), required=False)
    child_care_note = forms.CharField(label=_("Child-care note"), max_length=500, required=False)
    vulnerable_family = forms.BooleanField(label=_("Vulnerable family found (needs social work)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["visited_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    def clean(self):
        cleaned = super().clean()
        outcome = cleaned.get("outcome")
        if outcome == Outcome.REFUSED and not cleaned.get("side_visit_note", "").strip():
            self.add_error("side_visit_note", _("Record the side visit (側訪) when the person refuses."))
        if outcome == Outcome.MOVED:
            if not cleaned.get("new_address", "").strip():
                self.add_error("new_address", _("Record where the person is now."))
            if not cleaned.get("notified_station"):
                self.add_error("notified_station", _("Choose the station covering the new address."))
        return cleaned


class ChildForm(forms.Form):
    name = forms.CharField(label=_("Child's name"), max_length=100)
    estimated_age = forms.IntegerField(label=_("Age"), min_value=0, max_value=17)


class InspectionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Checklist"), choices=SuspectedSite.choices)
    indicators = forms.MultipleChoiceField(
        label=_("Indicators seen"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=sorted({k: v for kinds in INDICATORS.values() for k, v in kinds.items()}.items()),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and set(cleaned.get("indicators", [])) - set(INDICATORS[kind]):
            self.add_error("indicators", _("Tick only indicators of the chosen checklist."))
        return cleaned


class KeyLocationForm(forms.ModelForm):
    class Meta:
        model = KeyLocation
        fields = ["type", "name", "address", "beat", "cctv_advice"]

    def __init__(self, *args, user, station, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the station's own beats, and only those the user may see: any other id is "not a choice".
        self.fields["beat"].queryset = Beat.objects.visible_to(user).filter(station=station)


class MissingPersonForm(forms.ModelForm):
    class Meta:
        model = MissingPersonReport
        fields = ["name", "sex", "age", "last_seen_at", "last_seen_place", "description"]
        widgets = {"last_seen_at": DateTimeInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["last_seen_at"].input_formats = DATETIME_FORMATS
        self.fields["age"].widget.attrs["max"] = 130


class ActivityForm(forms.ModelForm):
    topics = forms.MultipleChoiceField(
        label=_("Topics"), choices=Topic.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = CommunityActivity
        fields = ["kind", "held_on", "place", "attendees", "topics"]
        widgets = {"held_on": forms.DateInput(attrs={"type": "date"})}

    def clean_held_on(self):
        value = self.cleaned_data["held_on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("Log activities that have taken place."))
        return value


class AmendmentForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)

    def __init__(self, *args, figures, **kwargs):
        super().__init__(*args, **kwargs)
        for key, value in figures.items():
            self.fields[f"fig_{key}"] = forms.IntegerField(label=key.replace("_", " "), min_value=0, initial=value)

    def figures(self):
        return {k[4:]: v for k, v in self.cleaned_data.items() if k.startswith("fig_")}


class BeatHoursForm(forms.Form):
    new_hours = forms.DecimalField(label=_("New hours per week"), min_value=0, max_value=168, decimal_places=1)
    reason = forms.CharField(label=_("Reason"), max_length=500)
