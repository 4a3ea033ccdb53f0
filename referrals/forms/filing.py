"""The filing form: the referral and its persons (a formset), with the nasty-input rules of filing."""

import secrets
from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from referrals.models import (
    NARRATIVE_MAX,
    Category,
    Consent,
    Household,
    KnownRisk,
    Level,
    Person,
    PersonRole,
    Referral,
    Sex,
)

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
