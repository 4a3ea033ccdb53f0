"""The interface of an SMS backend (like Django's e-mail backends)."""

from dataclasses import dataclass


class SmsError(Exception):
    """The gateway did not take the message (refused, unreachable or silent past the timeout)."""

    def __init__(self, message, *, permanent=False):
        super().__init__(message)
        # A refusal that a retry cannot fix (a malformed number, a blocked recipient).
        self.permanent = permanent


@dataclass(frozen=True)
class SendResult:
    provider_id: str = ""
    # The state the gateway reports at once: "sent" (accepted for delivery) or "delivered".
    state: str = "sent"


class BaseSmsBackend:
    def send(self, to, body, *, status_callback=""):
        """Hand one text to the gateway; return a :class:`SendResult` or raise :class:`SmsError`."""
        raise NotImplementedError
