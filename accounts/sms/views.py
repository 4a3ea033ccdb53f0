"""The gateway's delivery receipts (its status callback). Not a user page: no session, no CSRF token;
each request must carry the gateway's signature over our callback address and its fields."""

from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts import sms


@csrf_exempt
@require_POST
def status_callback(request):
    params = [(key, value) for key in request.POST for value in request.POST.getlist(key)]
    if not sms.signature_ok(sms.callback_url(), params, request.headers.get("X-Twilio-Signature", "")):
        return HttpResponseForbidden("bad signature")
    sid = request.POST.get("MessageSid") or request.POST.get("SmsSid") or ""
    status = request.POST.get("MessageStatus") or request.POST.get("SmsStatus") or ""
    row = sms.apply_receipt(sid[:64], status, request.POST.get("ErrorCode", "")[:20]) if sid else None
    return HttpResponse(status=204 if row is not None else 404)
