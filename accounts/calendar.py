"""Business hours, holidays and on-call lookups for teams."""

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model

from accounts.models import Holiday, OnCallShift, Organization

# A team's calendar is searched at most this far ahead for business time.
MAX_CALENDAR_DAYS = 120


def holidays_for(org, start_date, end_date):
    """Dates off for ``org``: its own holidays and those of its ancestors."""
    ids = [int(p) for p in org.path.strip("/").split("/") if p] or [org.pk]
    return set(
        Holiday.objects.filter(organization_id__in=ids, date__range=(start_date, end_date)).values_list(
            "date", flat=True
        )
    )


def _is_business_day(org, day, holidays):
    return str(day.isoweekday()) in org.business_days and day not in holidays


def is_business_time(org, at):
    local = at.astimezone(org.tz)
    holidays = holidays_for(org, local.date(), local.date())
    return _is_business_day(org, local.date(), holidays) and org.opens_at <= local.time() < org.closes_at


def business_day_length(org):
    return datetime.combine(datetime.min, org.closes_at) - datetime.combine(datetime.min, org.opens_at)


def add_business_time(org, start, duration):
    """The instant when ``duration`` of ``org``'s business time has passed after ``start``.

    Time outside opening hours, on closed weekdays and on holidays does not count.
    """
    tz = org.tz
    local = start.astimezone(tz)
    remaining = duration
    holidays = holidays_for(org, local.date(), local.date() + timedelta(days=MAX_CALENDAR_DAYS))
    day = local.date()
    for _ in range(MAX_CALENDAR_DAYS):
        if _is_business_day(org, day, holidays):
            opens = datetime.combine(day, org.opens_at, tzinfo=tz)
            closes = datetime.combine(day, org.closes_at, tzinfo=tz)
            begin = max(opens, local)
            if begin < closes:
                available = closes - begin
                if remaining <= available:
                    return begin + remaining
                remaining -= available
        day += timedelta(days=1)
        local = datetime.combine(day, time.min, tzinfo=tz)
    raise ValueError("No business time found in the calendar window; check the team's business days.")


def add_business_days(org, start, days):
    """ "Within N business days": by the close of the Nth business day after the day of ``start``.

    Counted in ``org``'s calendar (its business days, its holidays and its ancestors', its closing
    time and time zone), so everything filed on the same local day is due at the same moment, as
    practitioners read the rule. A start on a closed day counts from the next business day.
    """
    tz = org.tz
    first = start.astimezone(tz).date()
    holidays = holidays_for(org, first, first + timedelta(days=MAX_CALENDAR_DAYS))
    counted, day = 0, first
    for _ in range(MAX_CALENDAR_DAYS):
        day += timedelta(days=1)
        if _is_business_day(org, day, holidays):
            counted += 1
            if counted >= days:
                return datetime.combine(day, org.closes_at, tzinfo=tz)
    raise ValueError("No business day found in the calendar window; check the team's business days.")


def on_call_workers(team, at):
    """Workers on call for ``team`` at instant ``at``; the most recently started shift first."""
    User = get_user_model()
    shifts = OnCallShift.objects.covering(at).filter(team=team, worker__is_active=True)
    return User.objects.filter(on_call_shifts__in=shifts).distinct().order_by("-on_call_shifts__starts_at")


def on_call_worker(team, at):
    shift = (
        OnCallShift.objects.covering(at)
        .filter(team=team, worker__is_active=True)
        .select_related("worker")
        .order_by("-starts_at")
        .first()
    )
    return shift.worker if shift else None


def team_of(org):
    return org if org and org.kind == Organization.Kind.TEAM else None
