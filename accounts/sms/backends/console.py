"""Development backend: prints each text to standard output."""

import sys
import uuid

from accounts.sms.backends.base import BaseSmsBackend, SendResult


class SmsBackend(BaseSmsBackend):
    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, to, body, *, status_callback=""):
        self.stream.write(f"SMS to {to}: {body}\n")
        self.stream.flush()
        return SendResult(provider_id=f"console-{uuid.uuid4().hex[:12]}", state="sent")
