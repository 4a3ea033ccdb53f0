"""Browser push: the subscription page, the endpoints static/js/push.js calls, and the service worker.
Thin: accounts.services keeps the subscriptions, accounts.push delivers."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import services
from accounts.models import PushSubscription
from accounts.policy import may_receive_push
from accounts.visibility import get_visible_or_404, visible

MAX_BODY = 4096  # bytes: a browser's subscription is well under 1 KiB


def _require_push_user(request):
    if not may_receive_push(request.user):
        raise Http404


def _json_body(request):
    if len(request.body) > MAX_BODY:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _errors(exc):
    if hasattr(exc, "message_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in exc.message_dict.items()}
    return {"__all__": [str(m) for m in exc.messages]}


@never_cache
@login_required
@require_GET
def push_settings(request):
    """What push notifications are, this user's devices (each with a remove button) and the switch."""
    _require_push_user(request)
    return render(
        request,
        "accounts/push.html",
        {
            "subscriptions": visible(PushSubscription, request.user).order_by("-created_at"),
            "push_available": services.push_available(),
            "vapid_public_key": settings.VAPID_PUBLIC_KEY,
            "max_devices": services.MAX_PUSH_SUBSCRIPTIONS,
        },
    )


@login_required
@require_POST
def push_subscribe(request):
    """The browser's PushSubscription as JSON: {"endpoint": …, "keys": {"p256dh": …, "auth": …}}."""
    _require_push_user(request)
    data = _json_body(request)
    keys = data.get("keys") if data is not None else None
    if data is None or not isinstance(keys, dict):
        return JsonResponse({"detail": _("Send the browser's subscription as JSON.")}, status=400)
    values = [data.get("endpoint"), keys.get("p256dh"), keys.get("auth")]
    if not all(isinstance(v, str) for v in values):
        return JsonResponse({"detail": _("Send the browser's subscription as JSON.")}, status=400)
    endpoint, p256dh, auth = values
    try:
        subscription = services.subscribe_push(
            user=request.user,
            endpoint=endpoint,
            p256dh=p256dh,
            auth=auth,
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        errors = _errors(exc)
        detail = " ".join(m for msgs in errors.values() for m in msgs)
        return JsonResponse({"detail": detail, "errors": errors}, status=400)
    return JsonResponse(
        {"id": subscription.pk, "message": _("Notifications are on for this device.")},
        status=201,
    )


@login_required
@require_POST
def push_unsubscribe(request):
    """Remove one of the user's devices: by ``id`` (the page's remove buttons) or by ``endpoint`` (JSON,
    from push.js on the device itself). Another user's device answers as a missing one (404)."""
    _require_push_user(request)
    as_json = request.content_type == "application/json"
    if as_json:
        data = _json_body(request) or {}
        endpoint = data.get("endpoint")
        lookup = {"endpoint": endpoint} if isinstance(endpoint, str) and endpoint else None
    else:
        pk = request.POST.get("id", "")
        lookup = {"pk": pk} if pk.isdigit() else None
    if lookup is None:
        return JsonResponse({"detail": _("Say which device to remove.")}, status=400)
    subscription = get_visible_or_404(PushSubscription, request.user, **lookup)
    label = subscription.device_label
    services.unsubscribe_push(user=request.user, subscription=subscription)
    if as_json:
        return JsonResponse({"message": _("Notifications are off for this device.")})
    messages.success(request, _("Notifications are off for %(device)s.") % {"device": label})
    return redirect("push_settings")


@require_GET
def push_service_worker(request):
    """The push service worker, served from the site root (so any scope is allowed; push.js registers it for
    the push page only, pushes reach it regardless and a tap may open any page of the site). It holds no
    user data: it shows the pushed title and opens the pushed link (our own pages only)."""
    response = HttpResponse(
        render_to_string("accounts/push-sw.js"), content_type="application/javascript; charset=utf-8"
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
