"""Input checks shared by every app: dates within a sane range, no NUL bytes in query parameters.

Crafted input must answer 400 with a field error, never 500: a date such as 9999-12-31 is
valid for Python but overflows as soon as a day is added or it is moved to UTC, and PostgreSQL
rejects text containing NUL bytes.
"""

from datetime import date, datetime

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def validate_date_in_range(value):
    """Dates and times from 1900-01-01 to 2100-12-31: births, incidents and plans all fall inside."""
    day = value.date() if isinstance(value, datetime) else value
    if day is not None and not (EARLIEST <= day <= LATEST):
        raise ValidationError(
            gettext_lazy("Enter a date between %(earliest)s and %(latest)s."),
            code="date_out_of_range",
            params={"earliest": EARLIEST.isoformat(), "latest": LATEST.isoformat()},
        )


# --- form fields ----------------------------------------------------------------------------------------
class DateField(forms.DateField):
    default_validators = [validate_date_in_range]


class DateTimeField(forms.DateTimeField):
    default_validators = [validate_date_in_range]


# --- API fields and filters -------------------------------------------------------------------------------
class ApiDateField(serializers.DateField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)


class ApiDateTimeField(serializers.DateTimeField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators.append(validate_date_in_range)


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 date-time filter that refuses dates outside the sane range (400 with the field named)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("validators", [validate_date_in_range])
        super().__init__(*args, **kwargs)


# --- NUL bytes ----------------------------------------------------------------------------------------------
def nul_parameters(query):
    """Names of query parameters whose name or value holds a NUL byte."""
    bad = []
    for key, values in query.lists():
        if "\x00" in key or any("\x00" in v for v in values):
            bad.append(key.replace("\x00", "\\x00"))
    return bad


def bad_request(request, errors):
    """400 with field errors: JSON for the API, plain text ("field: message" lines) for pages and images."""
    if request.path.startswith("/api/"):
        return JsonResponse(errors, status=400)
    lines = [f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in errors.items()]
    return HttpResponse("\n".join(lines), status=400, content_type="text/plain; charset=utf-8")


class RejectNulBytesMiddleware:
    """A NUL byte in a query parameter answers 400 naming the parameter, before any view or query sees it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bad = nul_parameters(request.GET)
        if bad:
            message = _("Null characters are not allowed.")
            return bad_request(request, {name: [message] for name in bad})
        return self.get_response(request)


def form_errors(form):
    """A form's errors as {field: [messages]} (for bad_request)."""
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}
