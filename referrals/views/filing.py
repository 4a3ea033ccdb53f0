"""Filing a referral: the form with its persons, one-time form token, and live duplicate suggestions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.drafts import discard_draft
from accounts.visibility import require_role
from referrals import forms, lookups, prefill, selectors, services
from referrals.views._base import R, _errors_to_form

FORM_TOKEN_PREFIX = "form:"  # filing-page tokens share the idempotency table with API keys, apart by prefix


@login_required
def file_referral(request):
    require_role(request.user, R.OFFICER)
    origin = request.GET.get("origin", "") or request.POST.get("origin", "")
    origin_reference = request.GET.get("origin_reference", "") or request.POST.get("origin_reference", "")
    filled = prefill.prefill_for(request.user, origin, origin_reference) if origin else None
    if request.method == "POST":
        formset = _person_formset(request.user, filled, request.POST)
        people = formset.people() if formset.is_valid() else forms.raw_people(formset)
        form = forms.ReferralForm(request.POST, user=request.user, prefill=filled)
        if "check" not in request.POST and form.is_valid() and formset.is_valid():
            referral, created = _submit(request, form, formset)
            if referral is not None:
                discard_draft(request.user, "referral-file", sent=True)
            if referral is not None and not created:
                messages.info(
                    request, _("Referral %(ref)s was already filed from this page.") % {"ref": referral.reference}
                )
                return redirect(referral)
            if referral is not None:
                messages.success(request, _("Referral %(ref)s filed.") % {"ref": referral.reference})
                if referral.link_requests.exists():
                    messages.info(request, _("The intake desk will check the possible match and link it."))
                return redirect(referral)
    else:
        form, formset = _blank_forms(request.user, filled)
        people = forms.raw_people(formset) if filled else []
    suggestions = _suggestions(request, people, request.POST.get("incident_place", ""))
    return render(
        request,
        "referrals/file.html",
        {
            "form": form,
            "formset": formset,
            "suggestions": suggestions,
            "prefill": filled,
        },
    )


def _person_formset(user, filled, data=None, initial=None):
    prefilled = [p for p, _role in filled.persons] if filled is not None else []
    return forms.PersonFormSet(
        data, prefix="persons", initial=initial, form_kwargs={"user": user, "prefilled": prefilled}
    )


def _blank_forms(user, filled):
    initial = {}
    persons = []
    if filled is not None:
        initial = {
            "category": filled.category,
            "incident_place": filled.incident_place,
            "narrative": filled.narrative,
            "origin": "patrol_visit",
            "origin_reference": filled.origin_reference,
            "household": filled.household.pk if filled.household else None,
        }
        if filled.incident_at:
            initial["incident_at"] = filled.incident_at
        persons = [
            {
                "role": role,
                "name": p.name,
                "sex": p.sex,
                "date_of_birth": p.date_of_birth,
                "estimated_age": p.estimated_age,
                "phone": p.phone,
                "address": p.address,
                "existing": p.pk,
            }
            for p, role in filled.persons
        ]
    form = forms.ReferralForm(
        user=user, prefill=filled, initial={k: v for k, v in initial.items() if v not in (None, "")}
    )
    formset = _person_formset(user, filled, initial=persons or None)
    if persons:
        formset.data = {}
    return form, formset


def _submit(request, form, formset):
    """(referral, created): the page's one-time token is claimed with the filing, in one transaction,
    so a double click or a resent form files once and answers with the first referral."""
    persons = [f.as_person() for f in formset.forms if f.has_changed()]
    try:
        return services.submit_referral_once(
            actor=request.user,
            idempotency_key=f"{FORM_TOKEN_PREFIX}{form.cleaned_data['form_token']}",
            request_hash=FORM_TOKEN_PREFIX,
            persons=persons,
            **form.referral_fields(),
        )
    except ValidationError as exc:
        _errors_to_form(form, exc)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
    except services.IdempotencyConflict:
        form.add_error("form_token", form.fields["form_token"].error_messages["invalid"])
    return None, False


def _suggestions(request, people, address):
    """Suggestions for the filing page: None when there is nothing to look up or the user may not."""
    if not selectors.lookup_terms(people, address) or not lookups.may_look_up(request.user):
        return None
    if not lookups.allowed_now(request):
        return {"throttled": True}
    found = lookups.look_up(request, people, address)
    return found if found and any(found.values()) else None


@login_required
@require_POST
def file_suggestions(request):
    """htmx: suggestions while the officer types the persons' details."""
    require_role(request.user, R.OFFICER)
    if not lookups.may_look_up(request.user):
        raise Http404
    formset = _person_formset(request.user, None, request.POST)
    suggestions = _suggestions(request, forms.raw_people(formset), request.POST.get("incident_place", ""))
    return render(request, "referrals/_suggestions.html", {"suggestions": suggestions})
