from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from accounts.calendar import add_business_days, is_business_time, on_call_worker, on_call_workers
from accounts.models import Holiday
from tests.factories import OnCallShiftFactory, SocialWorkerFactory, TeamFactory

TPE = ZoneInfo("Asia/Taipei")
pytestmark = pytest.mark.django_db


def at(y, m, d, h=0, mi=0):
    return datetime(y, m, d, h, mi, tzinfo=TPE)


class TestOnCall:
    def test_shift_crossing_midnight_covers_both_sides(self):
        team = TeamFactory()
        shift = OnCallShiftFactory(team=team, starts_at=at(2026, 11, 20, 18), ends_at=at(2026, 11, 21, 9))
        assert on_call_worker(team, at(2026, 11, 20, 23, 30)) == shift.worker
        assert on_call_worker(team, at(2026, 11, 21, 2)) == shift.worker
        assert on_call_worker(team, at(2026, 11, 21, 8, 59)) == shift.worker

    def test_outside_the_shift_nobody_is_on_call(self):
        team = TeamFactory()
        OnCallShiftFactory(team=team, starts_at=at(2026, 11, 20, 18), ends_at=at(2026, 11, 21, 9))
        assert on_call_worker(team, at(2026, 11, 21, 9)) is None  # end is exclusive
        assert on_call_worker(team, at(2026, 11, 20, 17, 59)) is None

    def test_other_teams_shift_does_not_count(self):
        team, other = TeamFactory(), TeamFactory()
        OnCallShiftFactory(team=other, starts_at=at(2026, 11, 20, 18), ends_at=at(2026, 11, 21, 9))
        assert on_call_worker(team, at(2026, 11, 20, 23)) is None

    def test_inactive_worker_is_skipped_and_overlaps_listed(self):
        team = TeamFactory()
        gone = SocialWorkerFactory(organization=team, is_active=False)
        OnCallShiftFactory(team=team, worker=gone, starts_at=at(2026, 11, 20, 18), ends_at=at(2026, 11, 21, 9))
        backup = OnCallShiftFactory(team=team, starts_at=at(2026, 11, 20, 20), ends_at=at(2026, 11, 21, 2))
        assert on_call_worker(team, at(2026, 11, 20, 23)) == backup.worker
        assert list(on_call_workers(team, at(2026, 11, 20, 23))) == [backup.worker]

    def test_utc_instant_is_compared_correctly(self):
        team = TeamFactory()
        shift = OnCallShiftFactory(team=team, starts_at=at(2026, 11, 20, 18), ends_at=at(2026, 11, 21, 9))
        # 23:30 Taipei is 15:30 UTC.
        assert on_call_worker(team, datetime(2026, 11, 20, 15, 30, tzinfo=ZoneInfo("UTC"))) == shift.worker


class TestBusinessCalendar:
    def test_business_hours(self):
        team = TeamFactory()  # Mon-Fri 09:00-18:00
        assert is_business_time(team, at(2026, 11, 20, 10))  # Friday
        assert not is_business_time(team, at(2026, 11, 20, 18))
        assert not is_business_time(team, at(2026, 11, 21, 10))  # Saturday

    def test_three_business_days_from_friday_evening_end_at_wednesdays_close(self):
        team = TeamFactory()  # Mon-Fri 09:00-18:00
        assert add_business_days(team, at(2026, 11, 20, 17), 3) == at(2026, 11, 25, 18)  # Fri 17:00 → Wed close

    def test_same_day_filings_share_one_deadline(self):
        team = TeamFactory()
        assert add_business_days(team, at(2026, 11, 18, 8), 3) == add_business_days(team, at(2026, 11, 18, 23, 59), 3)

    def test_holiday_of_a_parent_organisation_is_skipped(self):
        team = TeamFactory()
        Holiday.objects.create(organization=team.parent, date=date(2026, 11, 23), name="Day off")
        due = add_business_days(team, at(2026, 11, 20, 17), 3)
        assert due == at(2026, 11, 26, 18)  # Monday off: Tue, Wed, Thu → Thursday's close

    def test_filed_on_a_closed_day_counts_from_the_next_business_day(self):
        team = TeamFactory()
        due = add_business_days(team, at(2026, 11, 21, 22), 1)  # Saturday night
        assert due == datetime.combine(date(2026, 11, 23), time(18), tzinfo=TPE)

    def test_the_teams_own_time_zone_and_hours(self):
        team = TeamFactory(time_zone="Asia/Hong_Kong", closes_at=time(17, 30))
        hk = ZoneInfo("Asia/Hong_Kong")
        # 23:30 UTC on Thursday is already Friday 07:30 in Hong Kong: Friday is the filing day.
        due = add_business_days(team, datetime(2026, 11, 19, 23, 30, tzinfo=ZoneInfo("UTC")), 1)
        assert due == datetime(2026, 11, 23, 17, 30, tzinfo=hk)

    def test_custom_week(self):
        team = TeamFactory(business_days="123456", opens_at=time(8), closes_at=time(12))
        due = add_business_days(team, at(2026, 11, 20, 11), 1)  # Friday: Saturday is a business day here
        assert due == at(2026, 11, 21, 12)
