"""Form drafts and the session keep-alive, for static/js/autosave.js. Thin: accounts.drafts acts."""

import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import drafts
from accounts.middleware import session_remaining, touch_session


def _time(moment):
    return timezone.localtime(moment).strftime("%H:%M")


def _bad_request(message):
    return JsonResponse({"detail": message}, status=400)


@never_cache
@login_required
@require_http_methods(["GET", "PUT", "POST", "DELETE"])
def draft(request, key):
    """GET the user's draft of a form (204: none), PUT/POST to keep one, DELETE to discard it.
    A key outside the allow-list, or naming a record the user cannot see, is 404."""
    if not drafts.key_allowed(request.user, key):
        raise Http404
    if request.method == "GET":
        found = drafts.load_draft(request.user, key)
        if found is None:
            return HttpResponse(status=204)
        return JsonResponse(
            {
                "values": found.values,
                "saved_at": found.updated_at.isoformat(),
                "message": _("Draft restored from %(time)s") % {"time": _time(found.updated_at)},
            }
        )
    if request.method == "DELETE":
        drafts.discard_draft(request.user, key)
        return JsonResponse({"message": _("Draft discarded.")})
    return _save(request, key)


def _save(request, key):
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > drafts.MAX_BYTES:
        return _bad_request(_("This draft is too large to keep."))
    try:
        values = _values(request)
        opened = float(request.GET["opened"]) if request.GET.get("opened") else None
        saved = drafts.save_draft(request.user, key, values, opened=opened)
    except drafts.DraftTooLarge:
        return _bad_request(_("This draft is too large to keep."))
    except ValueError:  # DraftError, bad JSON, a bad "opened", an unsupported content type
        return _bad_request(_("This draft cannot be read."))
    if saved is None:  # the form was sent after this page was opened
        return JsonResponse({"detail": _("This form was already sent.")}, status=409)
    return JsonResponse(
        {
            "saved_at": saved.updated_at.isoformat(),
            "message": _("Draft saved at %(time)s") % {"time": _time(saved.updated_at)},
        }
    )


def _values(request):
    content_type = request.content_type or ""
    if content_type == "application/json":
        return json.loads(request.body.decode("utf-8") or "{}")
    if request.method == "POST":
        return drafts.values_from_querydict(request.POST)
    if content_type == "application/x-www-form-urlencoded":
        return drafts.values_from_querydict(QueryDict(request.body, encoding=request.encoding))
    raise ValueError("unsupported content type")


@never_cache
@login_required
@require_GET
def session_status(request):
    """How long the session has left; asked with X-Session-Passive: 1 it does not count as activity."""
    return JsonResponse({"remaining": session_remaining(request)})


@never_cache
@login_required
@require_POST
def session_keepalive(request):
    """ "Stay signed in": count now as activity."""
    touch_session(request)
    return JsonResponse({"remaining": session_remaining(request)})
