"""A Twilio-compatible REST gateway (Twilio itself, or a local telecom's API of the same shape).

``POST {SMS_GATEWAY_URL}/Messages.json`` with HTTP basic auth (``SMS_ACCOUNT_SID`` /
``SMS_AUTH_TOKEN``) and the form fields ``From``, ``To``, ``Body`` and ``StatusCallback``; the
answer's ``sid`` is kept to match the delivery receipts the gateway later posts to the status
callback (accounts.sms.views.status_callback). Each call waits at most ``SMS_TIMEOUT`` seconds;
retries with growing pauses are the outbox's (accounts.sms.deliver), never a sleep in here.
"""

import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings

from accounts.sms.backends.base import BaseSmsBackend, SendResult, SmsError


class SmsBackend(BaseSmsBackend):
    def __init__(self, url=None, account=None, token=None, sender=None, timeout=None):
        self.url = (url or settings.SMS_GATEWAY_URL).rstrip("/")
        self.account = account if account is not None else settings.SMS_ACCOUNT_SID
        self.token = token if token is not None else settings.SMS_AUTH_TOKEN
        self.sender = sender or settings.SMS_FROM
        self.timeout = timeout or settings.SMS_TIMEOUT

    def send(self, to, body, *, status_callback=""):
        if not self.url.startswith(("https://", "http://")):
            raise SmsError("SMS_GATEWAY_URL must be an http(s) address", permanent=True)
        fields = {"From": self.sender, "To": to, "Body": body}
        if status_callback:
            fields["StatusCallback"] = status_callback
        credentials = base64.b64encode(f"{self.account}:{self.token}".encode()).decode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            f"{self.url}/Messages.json",
            data=urllib.parse.urlencode(fields).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "police-social-work-sms/1",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - checked above
                answer = json.loads(response.read(65536) or b"{}")
        except urllib.error.HTTPError as exc:
            # 4xx: the gateway refused this message (a retry sends the same thing); 429 and 5xx may pass later.
            permanent = 400 <= exc.code < 500 and exc.code not in (408, 429)
            raise SmsError(f"HTTP {exc.code}", permanent=permanent) from exc
        except TimeoutError as exc:
            raise SmsError(f"timeout after {self.timeout}s") from exc
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SmsError(f"{type(exc).__name__}: {exc}") from exc
        sid = str(answer.get("sid") or "")[:64]
        if not sid:
            raise SmsError("the gateway's answer has no message id")
        state = "delivered" if answer.get("status") == "delivered" else "sent"
        return SendResult(provider_id=sid, state=state)
