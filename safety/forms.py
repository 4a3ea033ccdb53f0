from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import validation
from accounts.models import Organization, User
from safety.models import (
    ALLOWED_ATTACHMENTS,
    CLIENT_SOURCES,
    MAX_ATTACHMENT_BYTES,
    FollowUpItem,
    HazardEvent,
    HazardType,
    RiskFlag,
    RiskSource,
    SafetyAlert,
)

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to five files: PDF, PNG or JPEG (checked by content, not only by name), 10 MB each."""

    widget = MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if len(files) > 5:
            raise forms.ValidationError(_("Attach at most five files."))
        cleaned = []
        for f in files:
            f = super().clean(f, initial)
            ext = f.name.rsplit(".", 1)[-1].lower() if "." in f.name else ""
            head = f.read(8)
            f.seek(0)
            if ext not in ALLOWED_ATTACHMENTS or not head.startswith(ALLOWED_ATTACHMENTS[ext]):
                raise forms.ValidationError(_("Only PDF, PNG or JPEG files can be attached."))
            if f.size > MAX_ATTACHMENT_BYTES:
                raise forms.ValidationError(_("Each file must be 10 MB or smaller."))
            cleaned.append(f)
        return cleaned


class HazardEventForm(forms.ModelForm):
    types = forms.MultipleChoiceField(
        label=_("Type of event"), choices=HazardType.choices, widget=forms.CheckboxSelectMultiple
    )
    attachments = AttachmentsField(label=_("Attachments"), required=False)
    offender_person = forms.IntegerField(required=False, widget=forms.HiddenInput)

    class Meta:
        model = HazardEvent
        fields = [
            "types",
            "occurred_at",
            "place",
            "injury",
            "property_loss",
            "offender_description",
            "police_report_made",
            "media_report_count",
            "media_links",
            "narrative",
        ]
        widgets = {
            "occurred_at": DateTimeInput(),
            "narrative": forms.Textarea(attrs={"rows": 5}),
            "media_links": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_at"].input_formats = DATETIME_FORMATS
        self.fields["media_report_count"].widget.attrs["max"] = 999
        workers = User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True)
        if user.is_supervisor and user.organization:
            workers = workers.filter(organization__path__startswith=user.organization.path)
        elif not user.is_administrator:
            workers = workers.filter(pk=user.pk)
        self.fields["worker"] = forms.ModelChoiceField(
            label=_("Worker affected"), queryset=workers, required=False, empty_label=_("Myself")
        )
        self.order_fields(["worker", *self.Meta.fields, "attachments"])

    def clean_occurred_at(self):
        value = self.cleaned_data["occurred_at"]
        if value > timezone.now() + timedelta(minutes=5):
            raise forms.ValidationError(_("The event cannot be in the future."))
        return value


class OfflineReportForm(HazardEventForm):
    """A hazard event report queued on the worker's phone: its client key and the time it was sent.

    Attachments cannot wait on the phone: a queued report has none."""

    key = forms.UUIDField(label=_("Client key"))
    at = forms.DateTimeField(label=_("Sent at"))  # ISO 8601 with its offset, e.g. 2026-03-01T10:05:00.000Z


class ReviewFlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the safety mechanism needs review"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = FollowUpItem
        fields = ["owner", "due_on", "status", "note"]
        widgets = {"due_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        from safety.services import follow_up_owners

        super().__init__(*args, **kwargs)
        # Owners come from the event's agency: anyone else answers like an id that does not exist.
        self.fields["owner"].queryset = follow_up_owners(team=self.instance.event.team).order_by(
            "last_name", "first_name"
        )


class VisitForm(forms.Form):
    planned_start = validation.DateTimeField(
        label=_("Date and time"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS
    )
    expected_minutes = forms.IntegerField(
        label=_("Expected duration (minutes)"), min_value=5, max_value=720, initial=60
    )
    address = forms.CharField(
        label=_("Address"), max_length=255, required=False, help_text=_("Leave empty to use the household's address.")
    )
    escort_needed = forms.BooleanField(label=_("Police escort needed"), required=False)

    def __init__(self, *args, referral, user, **kwargs):
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True)
        if referral.team_id:
            agency = referral.team.nearest(Organization.Kind.AGENCY) or referral.team
            qs = qs.filter(organization__path__startswith=agency.path)
        self.fields["workers"] = forms.ModelMultipleChoiceField(
            label=_("Workers going"),
            queryset=qs.order_by("last_name"),
            widget=forms.CheckboxSelectMultiple,
            initial=[user.pk] if user.is_social_worker else [],
        )
        self.order_fields(["workers", "planned_start", "expected_minutes", "address", "escort_needed"])


class OverrideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for allowing one worker"), max_length=500)


class CheckOutForm(forms.Form):
    code = forms.CharField(
        label=_("Check-out code (optional)"),
        max_length=12,
        required=False,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class CheckInForm(forms.Form):
    extend_minutes = forms.IntegerField(
        label=_("More time needed (minutes)"), min_value=0, max_value=240, required=False, initial=0
    )


class OfflineActionForm(forms.Form):
    """A visit action queued on the worker's phone: its client key and the time it was pressed."""

    key = forms.UUIDField(label=_("Client key"))
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("start", _("Start visit")),
            ("check-in", _("Check in")),
            ("check-out", _("Check out")),
            ("alarm", _("Alarm")),
        ],
    )
    at = forms.DateTimeField(label=_("Pressed at"))  # ISO 8601 with its offset, e.g. 2026-03-01T10:05:00.000Z
    extend_minutes = forms.IntegerField(min_value=0, max_value=240, required=False)
    code = forms.CharField(max_length=12, required=False)


class EscortRequestForm(forms.Form):
    """Escorts go to the police of the family's district: other stations are not offered (nor accepted)."""

    needed_from = validation.DateTimeField(
        label=_("Needed from"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS
    )
    needed_until = validation.DateTimeField(
        label=_("Needed until"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS
    )
    station = forms.ModelChoiceField(
        label=_("Station"),
        required=False,
        empty_label=_("The referring station"),
        queryset=Organization.objects.none(),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Organization.objects.filter(
            kind=Organization.Kind.STATION, district_id=visit.referral.district_id, is_active=True
        ).order_by("name")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("needed_from"), cleaned.get("needed_until")
        if start and end and end <= start:
            self.add_error("needed_until", _("The end must be after the start."))
        return cleaned


class EscortAnswerForm(forms.Form):
    accept = forms.TypedChoiceField(choices=[("1", _("Accept")), ("0", _("Decline"))], coerce=lambda v: v == "1")
    reason = forms.CharField(label=_("Reason for declining"), max_length=500, required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("accept") is False and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for declining."))
        return cleaned


class RiskFlagForm(forms.ModelForm):
    source = forms.ChoiceField(
        label=_("Source"),
        choices=[(value, label) for value, label in RiskSource.choices if value in CLIENT_SOURCES],
        initial=RiskSource.OBSERVATION,
    )

    class Meta:
        model = RiskFlag
        fields = ["type", "source", "note", "review_on"]
        widgets = {"review_on": forms.DateInput(attrs={"type": "date"})}

    def clean_review_on(self):
        value = self.cleaned_data.get("review_on")
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("The review date cannot be in the past."))
        return value


class ResolveAlertForm(forms.Form):
    resolution = forms.ChoiceField(
        label=_("How it ended"), choices=SafetyAlert.Resolution.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class DuressCodeForm(forms.Form):
    code = forms.CharField(
        label=_("New duress code"),
        min_length=4,
        max_length=12,
        widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "new-password"}),
    )
