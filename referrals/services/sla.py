"""The acknowledgement clock: which SLA rule applies and when a referral is due (business days, holidays)."""

from datetime import datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import ngettext

from accounts import calendar
from referrals.models import (
    DEFAULT_SLA,
    Referral,
    SLAPolicy,
)


def sla_for(*, category: str, level: int) -> tuple[int, str]:
    policy = SLAPolicy.objects.filter(level=level, category__in=[category, ""]).order_by("-category").first()
    if policy:
        return policy.acknowledge_within, policy.unit
    return DEFAULT_SLA[level]


def acknowledge_rule(*, referral: Referral) -> str:
    """The SLA rule as a practitioner reads it, for the case page: "by close of business Thu 26 Nov"."""
    amount, unit = sla_for(category=referral.category, level=referral.level)
    if unit == SLAPolicy.Unit.BUSINESS_DAYS:
        calendar_org = referral.team or referral.referring_station
        day = date_format(referral.ack_due_at.astimezone(calendar_org.tz), "D j M") if referral.ack_due_at else ""
        return ngettext(
            "by close of business %(day)s (%(n)d business day after filing)",
            "by close of business %(day)s (%(n)d business days after filing)",
            amount,
        ) % {"day": day, "n": amount}
    hours = amount / 60 if unit == SLAPolicy.Unit.MINUTES else amount
    if hours < 1:
        return ngettext("within %(n)d minute, day and night", "within %(n)d minutes, day and night", amount) % {
            "n": amount
        }
    hours = int(hours)
    return ngettext("within %(n)d hour, day and night", "within %(n)d hours, day and night", hours) % {"n": hours}


def acknowledge_due(*, referral: Referral, start: datetime) -> datetime:
    """When ``referral`` must be acknowledged if its clock starts at ``start``."""
    amount, unit = sla_for(category=referral.category, level=referral.level)
    if unit == SLAPolicy.Unit.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == SLAPolicy.Unit.HOURS:
        return start + timedelta(hours=amount)
    calendar_org = referral.team or referral.referring_station
    return calendar.add_business_days(calendar_org, start, amount)


def _start_clock(referral: Referral, start: datetime) -> None:
    referral.ack_due_at = acknowledge_due(referral=referral, start=start)
    referral.escalate_at = referral.ack_due_at
    referral.escalation_level = 0


def _stop_clock(referral: Referral) -> None:
    referral.escalate_at = None
