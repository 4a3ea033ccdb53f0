"""Forms of the pre-visit pages: the risk checklist, overrides, route notes and the escort fallback."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts import validation
from safety.forms import DATETIME_FORMATS, DateTimeInput
from safety.services import assessment, escort_fallback


class AssessmentForm(forms.Form):
    """One box per factor. What the records show is ticked and cannot be unticked here."""

    def __init__(self, *args, answers=None, found=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers, found = answers or {}, found or {}
        for factor in assessment.FACTORS:
            reasons = [str(assessment.reason_label(code=code)) for code in found.get(factor.key, ())]
            self.fields[factor.key] = forms.BooleanField(
                label=factor.label,
                required=False,
                initial=bool(answers.get(factor.key) or reasons),
                disabled=bool(reasons),
                help_text="; ".join(reasons),
            )
            self.fields[factor.key].points = factor.points

    def answers(self):
        return {key: bool(self.cleaned_data.get(key)) for key in assessment.FACTOR_KEYS}


class AssessmentOverrideForm(forms.Form):
    reason = forms.CharField(label=_("Reason for going ahead below the recommendation"), max_length=500)


class RouteNoteForm(forms.Form):
    text = forms.CharField(
        label=_("Route note"),
        max_length=500,
        help_text=_("For the next worker at this address, e.g. a dog in the yard, back entrance only."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class SecondWorkerForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, actor, fallback, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["worker"] = forms.ModelChoiceField(
            label=_("Second worker"), queryset=escort_fallback.candidates(actor=actor, fallback=fallback)
        )
        self.order_fields(["worker", "note"])


class PostponeForm(forms.Form):
    planned_start = validation.DateTimeField(
        label=_("New date and time"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
