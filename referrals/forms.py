"""Forms for filing and working referrals. They validate; the services change state."""

import secrets
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from referrals.models import (
    NARRATIVE_MAX,
    OPEN_STATUSES,
    CaseNote,
    Category,
    Consent,
    DeclineReason,
    FailureReason,
    Household,
    KnownRisk,
    Level,
    LinkRequest,
    Outcome,
    Person,
    PersonRole,
    Referral,
    ReferralGap,
    Sex,
    Status,
)

OPEN_STATUS_CHOICES = [Status(s) for s in OPEN_STATUSES]
FUTURE_TOLERANCE = timedelta(minutes=5)
MAX_PERSONS = 12
ORIGIN_NOT_FOUND = _("The record this referral was raised from cannot be found. Open the form from that record again.")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ReferralForm(forms.ModelForm):
    known_risks = forms.MultipleChoiceField(
        label=_("Known risks"), choices=KnownRisk.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    level = forms.TypedChoiceField(
        label=_("Triage level"),
        choices=Level.choices,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("Level 1 is answered within an hour, day and night."),
    )
    household = forms.IntegerField(required=False, widget=forms.HiddenInput)
    linked_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # One per page: the first submission with it files the referral, any replay shows that referral.
    form_token = forms.RegexField(
        regex=r"^[A-Za-z0-9_-]{20,64}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("This form has expired: reload the page and fill it in again."),
            "invalid": _("This form has expired: reload the page and fill it in again."),
        },
    )
    request_link = forms.BooleanField(
        label=_("Ask the intake desk to link this referral to the possible match"), required=False
    )
    origin = forms.ChoiceField(choices=Referral.Origin.choices, required=False, widget=forms.HiddenInput)
    origin_reference = forms.CharField(max_length=60, required=False, widget=forms.HiddenInput)

    class Meta:
        model = Referral
        fields = [
            "category",
            "level",
            "call_number",
            "incident_at",
            "incident_place",
            "narrative",
            "consent",
            "consent_note",
            "known_risks",
            "risk_note",
        ]
        widgets = {
            "incident_at": DateTimeInput(),
            "narrative": forms.Textarea(attrs={"rows": 6, "maxlength": NARRATIVE_MAX}),
            "consent": forms.RadioSelect,
        }
        help_texts = {"narrative": _("What happened and what help is needed. Up to 4,000 characters.")}

    def __init__(self, *args, user, prefill=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.prefill = prefill  # what another app's record (e.g. a patrol visit the user sees) filled in
        if not self.is_bound:
            self.initial.setdefault("form_token", secrets.token_urlsafe(24))
        self.fields["incident_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        self.fields["incident_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["consent"].initial = Consent.GIVEN
        self.fields["category"].choices = [("", _("Choose a category"))] + list(Category.choices)

    def clean_incident_at(self):
        value = self.cleaned_data["incident_at"]
        if value and value > timezone.now() + FUTURE_TOLERANCE:
            raise forms.ValidationError(_("The incident time cannot be in the future."))
        if value and value < timezone.now() - timedelta(days=366):
            raise forms.ValidationError(_("The incident is more than a year ago; check the date."))
        return value

    # Ids resolve through what the filer may see: one they cannot see answers like one that does not exist.
    # A household the filer cannot see is linked only by the intake desk (``request_link``).
    def clean_household(self):
        pk = self.cleaned_data.get("household")
        if not pk:
            return None
        if self.prefill is not None and self.prefill.household is not None and pk == self.prefill.household.pk:
            return self.prefill.household
        household = Household.objects.visible_to(self.user).filter(pk=pk).first()
        if household is None:
            raise forms.ValidationError(_("This household cannot be linked. Check the suggestions again."))
        return household

    def clean_linked_to(self):
        pk = self.cleaned_data.get("linked_to")
        if not pk:
            return None
        referral = Referral.objects.visible_to(self.user).filter(pk=pk).first()
        if referral is None:
            raise forms.ValidationError(_("This referral cannot be linked."))
        return referral

    def clean(self):
        cleaned = super().clean()
        origin, reference = cleaned.get("origin") or "", cleaned.get("origin_reference") or ""
        if (origin or reference) and not (
            self.prefill is not None and (origin, reference) == (self.prefill.origin, self.prefill.origin_reference)
        ):
            # A record the filer cannot see answers like one that does not exist.
            self.add_error(None, ORIGIN_NOT_FOUND)
        if cleaned.get("consent") in (Consent.REFUSED, Consent.NOT_POSSIBLE) and not cleaned.get("consent_note"):
            self.add_error("consent_note", _("Say why consent was refused or not possible."))
        if cleaned.get("linked_to") and not cleaned.get("household") and cleaned["linked_to"].household_id:
            cleaned["household"] = cleaned["linked_to"].household
        return cleaned

    def referral_fields(self):
        data = {k: self.cleaned_data.get(k) for k in self.Meta.fields}
        data = {k: ("" if v is None and k not in ("incident_at", "level") else v) for k, v in data.items()}
        data["household"] = self.cleaned_data.get("household")
        data["linked_to"] = self.cleaned_data.get("linked_to")
        data["request_link"] = bool(self.cleaned_data.get("request_link")) and data["household"] is None
        if self.cleaned_data.get("origin"):
            data["origin"] = self.cleaned_data["origin"]
            data["origin_reference"] = self.cleaned_data.get("origin_reference", "")
        return data


class PersonForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PersonRole.choices, initial=PersonRole.SUBJECT)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    sex = forms.ChoiceField(label=_("Sex"), choices=Sex.choices, initial=Sex.UNKNOWN, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    estimated_age = forms.IntegerField(label=_("Estimated age"), min_value=0, max_value=120, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel"})
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=20, required=False, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    address = forms.CharField(label=_("Address"), max_length=255, required=False)
    existing = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, prefilled=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.prefilled = {p.pk for p in prefilled if p.pk}  # persons of a prefilling record the user sees

    def clean_existing(self):
        """An existing person the filer may see (or one the prefilling record brought); else like a missing id."""
        pk = self.cleaned_data.get("existing")
        if not pk:
            return None
        if pk in self.prefilled or Person.objects.visible_to(self.user).filter(pk=pk).exists():
            return pk
        raise forms.ValidationError(_("This person cannot be linked. Type their details instead."))

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The date of birth cannot be in the future."))
        return value

    def clean(self):
        cleaned = super().clean()
        if self.has_changed() and not cleaned.get("name") and not cleaned.get("existing"):
            self.add_error("name", _("Give a name (or a description such as 'unknown man')."))
        return cleaned

    def as_person(self):
        """(Person or person data, role) for the service; ``existing`` was checked in ``clean_existing``."""
        data = self.cleaned_data
        if data.get("existing"):
            return Person.objects.get(pk=data["existing"]), data["role"]
        fields = {k: data.get(k) or "" for k in ("name", "phone", "id_number", "address")}
        fields.update(
            sex=data.get("sex") or Sex.UNKNOWN,
            date_of_birth=data.get("date_of_birth"),
            estimated_age=data.get("estimated_age"),
        )
        if not fields["id_number"]:
            fields["id_number"] = None
        return fields, data["role"]


class BasePersonFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not any(f.has_changed() for f in self.forms):
            raise forms.ValidationError(_("Add at least one person involved."))

    def people(self):
        return [f.cleaned_data for f in self.forms if getattr(f, "cleaned_data", None) and f.has_changed()]


PersonFormSet = forms.formset_factory(
    PersonForm, formset=BasePersonFormSet, extra=1, max_num=MAX_PERSONS, validate_max=True, absolute_max=MAX_PERSONS
)


def raw_people(formset):
    """What the filer typed, before validation, for live duplicate suggestions."""
    people = []
    for form in formset.forms:
        prefix = form.prefix
        people.append(
            {
                key: (formset.data.get(f"{prefix}-{key}") or "").strip()[:255]
                for key in ("name", "phone", "id_number", "address", "date_of_birth")
            }
        )
    for p in people:
        if p["date_of_birth"]:
            try:
                p["date_of_birth"] = forms.DateField().clean(p["date_of_birth"])
            except forms.ValidationError:
                p["date_of_birth"] = None
    return people


# --- working a referral -----------------------------------------------------------------
def team_workers_field(team, required=True):
    qs = User.objects.filter(organization=team, role=User.Role.SOCIAL_WORKER, is_active=True).order_by(
        "last_name", "first_name"
    )
    return forms.ModelChoiceField(label=_("Worker"), queryset=qs, required=required)


class FeedbackFields(forms.Form):
    """Was the referral appropriate, and what was missing: coded, shown to the referring station."""

    appropriate = forms.TypedChoiceField(
        label=_("Was this referral appropriate?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    gaps = forms.MultipleChoiceField(
        label=_("What was missing"), choices=ReferralGap.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    def feedback(self):
        if self.cleaned_data.get("appropriate") in (None, ""):
            return None
        return {"appropriate": self.cleaned_data["appropriate"], "gaps": self.cleaned_data.get("gaps") or []}


class FeedbackForm(FeedbackFields):
    pass


class AcceptForm(FeedbackFields):
    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"] = team_workers_field(referral.team, required=False)
        self.fields["worker"].help_text = _("Leave empty to take the case yourself.")
        self.fields["appropriate"].required = False  # asked here, answerable later on the case page
        self.order_fields(["worker", "appropriate", "gaps"])


class ReassignForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"] = team_workers_field(referral.team)
        self.order_fields(["worker", "note"])


class ShareForm(forms.Form):
    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        qs = User.objects.filter(role=User.Role.SOCIAL_WORKER, is_active=True).exclude(organization=referral.team)
        agency = referral.team.nearest(Organization.Kind.AGENCY) if referral.team else None
        if agency is not None:
            qs = qs.filter(organization__path__startswith=agency.path)
        self.fields["worker"] = forms.ModelChoiceField(label=_("Worker"), queryset=qs.order_by("last_name"))


class DeclineForm(FeedbackFields):
    reason = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(
        label=_("Explanation"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appropriate"].required = False
        self.order_fields(["reason", "note", "appropriate", "gaps"])

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == DeclineReason.OTHER and not cleaned.get("note", "").strip():
            self.add_error("note", _("Explain the reason for declining."))
        return cleaned


def _team_field(exclude_team=None, district=None):
    qs = Organization.objects.filter(kind=Organization.Kind.TEAM, is_active=True).order_by("name")
    if exclude_team is not None:
        qs = qs.exclude(pk=exclude_team.pk)
    if district is not None:
        qs = qs.filter(district=district)
    return forms.ModelChoiceField(label=_("Team"), queryset=qs)


class TransferForm(forms.Form):
    note = forms.CharField(
        label=_("Handover note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For social work only: the referring police see only which team has the referral now."),
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = _team_field(exclude_team=referral.team)
        self.order_fields(["team", "note"])


class DispatchForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the team"),
        max_length=1000,
        required=False,
        help_text=_("For social work only: the referring police see only which team has the referral now."),
    )

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"] = _team_field(district=referral.district)
        self.order_fields(["team", "note"])


class RedirectForm(TransferForm):
    pass


class LinkDecisionForm(forms.Form):
    link = forms.ModelChoiceField(queryset=LinkRequest.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, referral, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link"].queryset = referral.link_requests.filter(state=LinkRequest.State.PENDING)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class FirstContactForm(forms.Form):
    at = forms.DateTimeField(
        label=_("Contact made at"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    note = forms.CharField(label=_("Note (internal)"), max_length=1000, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices, widget=forms.RadioSelect)
    referred_to = forms.CharField(
        label=_("Referred to"), max_length=200, required=False, help_text=_("Only for 'referred on elsewhere'.")
    )
    summary = forms.CharField(
        label=_("Summary for the referring officer"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shared with the police. Write no sensitive detail they do not need."),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("outcome") == Outcome.REFERRED_ON and not cleaned.get("referred_to", "").strip():
            self.add_error("referred_to", _("Say which service the case was referred to."))
        return cleaned


class LevelForm(forms.Form):
    level = forms.TypedChoiceField(label=_("Triage level"), choices=Level.choices, coerce=int)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    visibility = forms.ChoiceField(
        label=_("Who may read it"),
        choices=CaseNote.Visibility.choices,
        initial=CaseNote.Visibility.INTERNAL,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        if user.reads_shared_view:
            del self.fields["visibility"]


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


class ReturnForm(forms.Form):
    needed = forms.CharField(
        label=_("What the team needs"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The referring officer reads this. The clock pauses until they resubmit."),
    )


class ResubmitForm(forms.Form):
    added = forms.CharField(
        label=_("The information asked for"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added to the narrative with today's date; the team's clock resumes."),
    )


class ReReferForm(forms.Form):
    agency = forms.CharField(label=_("Agency referred to"), max_length=200)
    reason = forms.CharField(label=_("Why there"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class FailForm(forms.Form):
    reason = forms.ChoiceField(label=_("Why"), choices=FailureReason.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
