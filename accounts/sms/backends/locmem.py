"""Test backend: keeps each text in ``accounts.sms.outbox`` (like ``django.core.mail.outbox``)."""

import uuid
from dataclasses import dataclass

from accounts.sms.backends.base import BaseSmsBackend, SendResult


@dataclass(frozen=True)
class Sent:
    to: str
    body: str
    provider_id: str
    status_callback: str = ""


class SmsBackend(BaseSmsBackend):
    def send(self, to, body, *, status_callback=""):
        from accounts import sms

        provider_id = f"SM{uuid.uuid4().hex}"
        sms.outbox.append(Sent(to=to, body=body, provider_id=provider_id, status_callback=status_callback))
        return SendResult(provider_id=provider_id, state="sent")
