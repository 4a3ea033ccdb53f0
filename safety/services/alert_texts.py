"""Alerts that also go by SMS: missed check-out from level 2, alarms and duress. To the team's
supervisors and the agency's safety contacts (never the workers of the visit), with the same minimum
detail as the in-app notice: the referral's reference, what happened and, for an alarm, the address."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.text import format_lazy

from accounts import texting
from accounts.directory import supervisors_of
from safety.models import SafetyAlert

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from accounts.models import SmsMessage, User
    from safety.models import HomeVisit


def needs_text(*, alert: SafetyAlert) -> bool:
    if alert.kind in (SafetyAlert.Kind.ALARM, SafetyAlert.Kind.DURESS):
        return True
    return alert.kind == SafetyAlert.Kind.MISSED_CHECK_OUT and alert.level >= 2


def recipients(*, visit: HomeVisit) -> list[User]:
    from safety.services._base import safety_contacts

    team = visit.referral.team
    on_the_visit = set(visit.workers.values_list("pk", flat=True))
    return [u for u in supervisors_of(team) + safety_contacts(team=team) if u.pk not in on_the_visit]


def text_alert(*, alert: SafetyAlert, message: StrOrPromise, suffix: str = "") -> list[SmsMessage]:
    """Queue the texts for ``alert`` (inside the transaction that raised it); returns the rows."""
    visit = alert.visit
    if visit is None or not needs_text(alert=alert):
        return []
    return texting.text(
        recipients(visit=visit),
        visit.referral.reference,
        format_lazy("{}{}", message, suffix),
        visit.get_absolute_url(),
        about=alert,
        kind=f"safety_{alert.kind}",
    )
