"""The forms of the actions on a case page: accept, assign, decline, transfer, close, notes and the rest."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Organization, User
from referrals.forms.filing import DateTimeInput
from referrals.models import (
    CaseNote,
    DeclineReason,
    FailureReason,
    Level,
    LinkRequest,
    Outcome,
    ReferralGap,
)


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
