"""The visit pages and the hazard event form as an installable app that keeps working offline: the manifest, the service
worker, and the endpoint that takes actions queued on the worker's phone (each with its client key
and the time it was pressed)."""

import json
import re
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET, require_POST

from accounts.drafts import discard_draft
from accounts.models import Organization
from accounts.visibility import get_visible_or_404
from safety import forms, services
from safety.models import HomeVisit
from safety.views._base import _social_work

VISITS_SCOPE = "/safety/visits/"
# The worker's scope covers the visit pages and the hazard event form; it keeps copies of only those.
SAFETY_SCOPE = "/safety/"
DONE = {
    "start": gettext_lazy("Visit started. Stay safe."),
    "check-in": gettext_lazy("Checked in."),
    "check-out": gettext_lazy("Checked out."),  # the same for a duress code: nothing on screen may differ
    "alarm": gettext_lazy("Alarm raised. Help is being sent."),
}


@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """The worker script from our static files, at the site root so its scope may cover the safety pages."""
    path = finders.find("js/sw.js")
    if not path:
        raise Http404
    with open(path, encoding="utf-8") as fh:
        response = HttpResponse(fh.read(), content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = SAFETY_SCOPE
    return response


@require_GET
def manifest(request):
    data = {
        "name": _("Police social work: home visits"),
        "short_name": _("Home visits"),
        "lang": request.LANGUAGE_CODE,
        "start_url": VISITS_SCOPE,
        "scope": SAFETY_SCOPE,
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#1d4f91",
        "icons": [
            {"src": static("icons/app-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/app-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("icons/app.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(data, ensure_ascii=False), content_type="application/manifest+json")


def emergency_phone(visit: HomeVisit) -> str:
    """The team's phone, or its agency's: where a worker whose alarm cannot get through calls or texts."""
    team = visit.referral.team
    if team is None:
        return ""
    agency = team.nearest(Organization.Kind.AGENCY)
    for org in (team, agency):
        if org is not None and org.contact_phone.strip():
            return org.contact_phone.strip()
    return ""


def offline_context(visit: HomeVisit) -> dict:
    phone = emergency_phone(visit)
    dial = re.sub(r"[^0-9+]", "", phone)
    body = _("ALARM: I need help at %(address)s (home visit %(reference)s).") % {
        "address": visit.address,
        "reference": visit.referral.reference,
    }
    return {
        "emergency_phone": phone,
        "emergency_tel": f"tel:{dial}" if dial else "",
        "emergency_sms": f"sms:{dial}?body={quote(body)}" if dial else "",
        "sync_url": reverse("safety:visit_sync", args=[visit.pk]),
        "sw_url": reverse("service_worker"),
        "sw_scope": SAFETY_SCOPE,
    }


def _when(value):
    return formats.time_format(timezone.localtime(value), "H:i") if value else ""


@login_required
@require_POST
def visit_sync(request, pk):
    """One queued action; the same key again answers like the first time without acting again."""
    visit = get_visible_or_404(HomeVisit.objects.select_related("referral"), request.user, pk=pk)
    form = forms.OfflineActionForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = form.cleaned_data
    try:
        visit, acted = services.act_with_key(
            actor=request.user,
            visit=visit,
            key=data["key"],
            action=data["action"],
            at=data["at"],
            extend_minutes=data.get("extend_minutes") or 0,
            code=data.get("code") or "",
        )
    except PermissionDenied:
        return JsonResponse({"errors": {"__all__": [_("You may not do this on this visit.")]}}, status=403)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        messages.error(request, " ".join(m for ms in errors.values() for m in ms))
        return JsonResponse({"errors": errors}, status=400)
    if acted:
        messages.success(request, DONE[data["action"]])
    return JsonResponse(
        {
            "acted": acted,
            "status": visit.status,
            "status_display": visit.get_status_display(),
            "last_check_in": _when(visit.last_check_in_at),
        }
    )


def event_offline_context() -> dict:
    return {"sync_url": reverse("safety:event_sync"), "sw_url": reverse("service_worker"), "sw_scope": SAFETY_SCOPE}


@login_required
@require_POST
def event_sync(request):
    """One hazard event report queued on the phone (without attachments); the same key reports once."""
    _social_work(request.user)
    form = forms.OfflineReportForm(request.POST, user=request.user)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=400)
    data = dict(form.cleaned_data)
    worker = data.pop("worker") or request.user
    key, at = data.pop("key"), data.pop("at")
    data.pop("attachments", None)
    data.pop("offender_person", None)
    try:
        event, reported = services.report_with_key(actor=request.user, key=key, at=at, worker=worker, **data)
    except PermissionDenied:
        return JsonResponse({"errors": {"__all__": [_("You may not report this event.")]}}, status=403)
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return JsonResponse({"errors": errors}, status=400)
    if reported:
        discard_draft(request.user, "hazard-event", sent=True)
        messages.success(request, _("Hazard event %(ref)s reported.") % {"ref": event.reference})
    return JsonResponse({"reported": reported, "reference": event.reference, "url": event.get_absolute_url()})
