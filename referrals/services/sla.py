"""The referral's clocks: which SLA rule applies, when a referral is due to be acknowledged and when its
first contact is due (business days, holidays), and the time left as a practitioner reads it."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext

from accounts import calendar
from referrals.models import (
    DEFAULT_SLA,
    Referral,
    SLAPolicy,
    Status,
)

# First contact with the family, counted from filing, by triage level. The product's one rule for it:
# level 1 (danger now) within a day and night, level 2 within three days, level 3 within seven business
# days of the team's calendar. Time spent with the referrer (returned) or another team still counts:
# the family has been waiting all along, and the dashboard measures the same span (filing → contact).
FIRST_CONTACT_SLA: dict[int, tuple[int, str]] = {
    1: (24, SLAPolicy.Unit.HOURS),
    2: (72, SLAPolicy.Unit.HOURS),
    3: (7, SLAPolicy.Unit.BUSINESS_DAYS),
}
# Waiting for a first contact: acknowledged (to be accepted) or accepted, and no contact yet.
AWAITING_FIRST_CONTACT = (Status.ACKNOWLEDGED, Status.ACCEPTED)


def sla_for(*, category: str, level: int) -> tuple[int, str]:
    policy = SLAPolicy.objects.filter(level=level, category__in=[category, ""]).order_by("-category").first()
    if policy:
        return policy.acknowledge_within, policy.unit
    return DEFAULT_SLA[level]


def _rule_words(referral: Referral, amount: int, unit: str, due: datetime | None) -> str:
    """An SLA window in words: "within 1 hour, day and night", "by close of business Thu 26 Nov (…)"."""
    if unit == SLAPolicy.Unit.BUSINESS_DAYS:
        calendar_org = referral.team or referral.referring_station
        day = date_format(due.astimezone(calendar_org.tz), "D j M") if due else ""
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


def acknowledge_rule(*, referral: Referral) -> str:
    """The SLA rule as a practitioner reads it, for the case page: "by close of business Thu 26 Nov"."""
    amount, unit = sla_for(category=referral.category, level=referral.level)
    return _rule_words(referral, amount, unit, referral.ack_due_at)


def acknowledge_due(*, referral: Referral, start: datetime) -> datetime:
    """When ``referral`` must be acknowledged if its clock starts at ``start``."""
    amount, unit = sla_for(category=referral.category, level=referral.level)
    return _add_window(referral, start, amount, unit)


def _add_window(referral: Referral, start: datetime, amount: int, unit: str) -> datetime:
    if unit == SLAPolicy.Unit.MINUTES:
        return start + timedelta(minutes=amount)
    if unit == SLAPolicy.Unit.HOURS:
        return start + timedelta(hours=amount)
    calendar_org = referral.team or referral.referring_station
    return calendar.add_business_days(calendar_org, start, amount)


def first_contact_due(*, referral: Referral) -> datetime | None:
    """When the team must first contact the family (FIRST_CONTACT_SLA), or None once contacted or not
    waiting for contact (not yet acknowledged, returned, declined, ended)."""
    if referral.status not in AWAITING_FIRST_CONTACT or referral.first_contact_at is not None:
        return None
    amount, unit = FIRST_CONTACT_SLA[referral.level]
    return _add_window(referral, referral.filed_at, amount, unit)


def first_contact_rule(*, referral: Referral, due: datetime | None) -> str:
    """FIRST_CONTACT_SLA in words for ``referral``'s level; ``due`` is its first_contact_due()."""
    amount, unit = FIRST_CONTACT_SLA[referral.level]
    return _rule_words(referral, amount, unit, due)


@dataclass(frozen=True)
class Deadline:
    """The next clock running on a referral: which step, when it is due and its rule in words."""

    step: str  # "acknowledge" or "first_contact"
    due: datetime
    rule: str
    # A business-day rule names its own day ("by close of business Thu 26 Nov"); a 24/7 rule shows the time.
    by_close_of_business: bool


def next_deadline(*, referral: Referral) -> Deadline | None:
    """The deadline the team works to now: acknowledgement while submitted, then the first contact."""
    if referral.awaiting_acknowledgement:
        if referral.ack_due_at is None:
            return None
        amount, unit = sla_for(category=referral.category, level=referral.level)
        return Deadline(
            step="acknowledge",
            due=referral.ack_due_at,
            rule=_rule_words(referral, amount, unit, referral.ack_due_at),
            by_close_of_business=unit == SLAPolicy.Unit.BUSINESS_DAYS,
        )
    due = first_contact_due(referral=referral)
    if due is None:
        return None
    return Deadline(
        step="first_contact",
        due=due,
        rule=first_contact_rule(referral=referral, due=due),
        by_close_of_business=FIRST_CONTACT_SLA[referral.level][1] == SLAPolicy.Unit.BUSINESS_DAYS,
    )


def _span_units(minutes: int) -> list[tuple[str, int]]:
    """How a span reads: minutes under an hour, hours and minutes under 3 hours, hours under 2 days,
    then days. static/js/countdown.js follows the same steps."""
    if minutes < 60:
        return [("min", minutes)]
    if minutes < 180:
        hours, rest = divmod(minutes, 60)
        return [("h", hours), ("min", rest)] if rest else [("h", hours)]
    if minutes < 48 * 60:
        return [("h", minutes // 60)]
    return [("day", minutes // (24 * 60))]


def _unit_words(unit: str, count: int, shown: int | str | None = None) -> str:
    """``count`` of ``unit`` ("min", "h" or "day"); ``shown`` replaces the number in the text."""
    n = {"n": count if shown is None else shown}
    if unit == "min":
        return ngettext("%(n)s min", "%(n)s min", count) % n
    if unit == "h":
        return ngettext("%(n)s h", "%(n)s h", count) % n
    return ngettext("%(n)s day", "%(n)s days", count) % n


def time_left(*, due: datetime, now: datetime) -> str:
    """ "23 min left", "2 days left", "overdue by 1 h 12 min"."""
    seconds = (due - now).total_seconds()
    overdue = seconds <= 0
    minutes = int(abs(seconds) // 60)
    if overdue:
        minutes = max(minutes, 1)
    span = " ".join(_unit_words(unit, n) for unit, n in _span_units(minutes))
    if overdue:
        return gettext("overdue by %(time)s") % {"time": span}
    return gettext("%(time)s left") % {"time": span}


def time_left_formats() -> dict[str, str]:
    """The words of time_left() in the active language, for the page's countdown script: {n} and {time}
    stand for the number and the span; "one" is the form for 1, "other" for any other number."""
    formats = {"left": gettext("%(time)s left") % {"time": "{time}"}}
    formats["overdue"] = gettext("overdue by %(time)s") % {"time": "{time}"}
    for unit in ("min", "h", "day"):
        formats[f"{unit}-one"] = _unit_words(unit, 1, "{n}")
        formats[f"{unit}-other"] = _unit_words(unit, 2, "{n}")
    return formats


def _start_clock(referral: Referral, start: datetime) -> None:
    referral.ack_due_at = acknowledge_due(referral=referral, start=start)
    referral.escalate_at = referral.ack_due_at
    referral.escalation_level = 0


def _stop_clock(referral: Referral) -> None:
    referral.escalate_at = None
