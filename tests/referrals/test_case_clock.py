"""The case page's "next step" card: the deadline in words and time left, escalations, the household,
the likely next action first, and a plain status line for the police."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from referrals import services
from referrals.models import Referral
from referrals.views.case import ordered_actions
from tests import factories as f
from tests.referrals.conftest import SUBJECT, referral_data

pytestmark = pytest.mark.django_db

TAIPEI = ZoneInfo("Asia/Taipei")
FILED = datetime(2026, 11, 24, 6, 9, tzinfo=TAIPEI)  # a Tuesday, before the team opens


def at(hour, minute, day=24):
    return time_machine.travel(datetime(2026, 11, day, hour, minute, tzinfo=TAIPEI), tick=False)


@pytest.fixture
def urgent(world):
    """A level-1 referral filed at 06:09: to be acknowledged by 07:09."""
    with time_machine.travel(FILED, tick=False):
        return services.submit_referral(
            actor=world.officer, persons=[SUBJECT], **referral_data(level=1, category="domestic_violence")
        )


def card_of(client, user, referral):
    language = client.cookies.get(settings.LANGUAGE_COOKIE_NAME)
    client.logout()  # a fresh session: the clock moves between requests, past the idle timeout
    if language is not None:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language.value
    client.force_login(user)
    response = client.get(referral.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    start = page.rindex("<section", 0, page.index('data-testid="next-step"'))
    return response, page[start : page.index("</section>", start)]


def text(html):
    """The card as read: tags dropped, spaces folded."""
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_level_one_referral_shows_its_deadline_rule_and_minutes_left(world, client, urgent):
    with at(6, 46):
        response, card = card_of(client, world.worker, urgent)
    read = text(card)
    assert "Acknowledge by 07:09 (level 1: within 1 hour, day and night)" in read
    assert "23 min left" in read
    assert 'data-deadline="2026-11-24T07:09:00+08:00"' in card
    assert "overdue" not in read and "is-overdue" not in card
    # The countdown script gets the words in the page's language; it is a file, not an inline script.
    assert 'data-fmt-left="{time} left"' in card and 'data-fmt-day-other="{n} days"' in card
    assert "js/countdown.js" in response.content.decode() and "<script>" not in response.content.decode()


def test_one_minute_left_and_a_viewer_in_another_time_zone(world, client, urgent):
    world.team.time_zone = "Asia/Tokyo"
    world.team.save()
    with at(7, 8):
        _, card = card_of(client, world.worker, urgent)
    assert "Acknowledge by 08:09" in text(card)  # Tokyo is an hour ahead of Taipei
    assert "1 min left" in text(card)


def test_an_overdue_referral_says_by_how_much_and_shows_the_escalation(world, client, urgent):
    services.sweep_escalations(now=datetime(2026, 11, 24, 7, 40, tzinfo=TAIPEI))
    with at(8, 21):
        _, card = card_of(client, world.supervisor, urgent)
    read = text(card)
    assert "overdue by 1 h 12 min" in read
    assert 'class="countdown overdue"' in card and "is-overdue" in card
    assert "⚠" in card  # not only the colour
    assert "Escalated to the supervisor at 07:40 (step 1)" in read


def test_a_step_taken_by_a_supervisor_names_them(world, client, urgent):
    services.sweep_escalations(now=datetime(2026, 11, 24, 7, 40, tzinfo=TAIPEI))
    services.acknowledge_escalation(actor=world.supervisor, escalation=urgent.escalations.get())
    with at(8, 21):
        _, card = card_of(client, world.worker, urgent)
    assert f"taken by {world.supervisor.get_full_name()}" in text(card)


def test_after_acknowledgement_the_first_contact_deadline_runs(world, client, urgent):
    with at(6, 40):
        services.acknowledge_referral(actor=world.worker, referral=urgent)
    with at(6, 46):
        _, card = card_of(client, world.worker, urgent)
    read = text(card)
    assert "Acknowledge by" not in read
    assert "First contact by Wed 25 Nov 06:09 (level 1: within 24 hours, day and night)" in read
    assert "23 h left" in read
    urgent.refresh_from_db()
    assert services.first_contact_due(referral=urgent) == datetime(2026, 11, 25, 6, 9, tzinfo=TAIPEI)
    with at(7, 0, day=25):
        services.accept_referral(actor=world.worker, referral=urgent)
        services.record_first_contact(actor=world.worker, referral=urgent)
        _, card = card_of(client, world.worker, urgent)
    assert "First contact made at 07:00." in text(card)
    assert "left" not in text(card) and "overdue" not in text(card)


def test_a_routine_referral_counts_business_days(world, client):
    with at(10, 0):
        routine = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data(level=3))
        _, card = card_of(client, world.worker, routine)
    assert "Acknowledge by close of business Fri 27 Nov (3 business days after filing)" in text(card)
    assert "3 days left" in text(card)
    with at(11, 0):
        services.acknowledge_referral(actor=world.worker, referral=routine)
        _, card = card_of(client, world.worker, routine)
    # Seven business days after Tuesday 24 Nov (weekends off): Thursday 3 Dec, at the team's closing time.
    assert "First contact by close of business Thu 3 Dec (7 business days after filing)" in text(card)
    assert "9 days left" in text(card)


def test_police_read_a_plain_status_line_without_internal_details(world, client, urgent):
    services.sweep_escalations(now=datetime(2026, 11, 24, 7, 40, tzinfo=TAIPEI))
    with at(6, 46):
        _, card = card_of(client, world.officer, urgent)
    read = text(card)
    assert "Waiting for acknowledgement, due 07:09" in read
    for internal in ("level 1", "within", "left", "overdue", "Escalated", "Household:", "data-fmt"):
        assert internal not in card
    with at(8, 0):
        services.acknowledge_referral(actor=world.worker, referral=urgent)
        _, card = card_of(client, world.officer, urgent)
    assert "Acknowledged by the team at 08:00" in text(card)
    assert "First contact by" not in text(card) and "Escalated" not in text(card)


def test_the_likely_next_action_comes_first_and_the_card_points_to_it(world, client, urgent):
    with at(6, 46):
        response, card = card_of(client, world.worker, urgent)
    names = [a["name"] for a in response.context["action_list"]]
    assert names[0] == "acknowledge" and names.index("accept") < names.index("decline")
    assert 'href="#action-acknowledge"' in card and "Acknowledge" in text(card)
    page = response.content.decode()
    assert page.index('id="action-acknowledge"') < page.index('id="action-accept"') < page.index('id="action-decline"')

    with at(7, 0):
        services.accept_referral(actor=world.worker, referral=urgent)
        response, card = card_of(client, world.worker, urgent)
    names = [a["name"] for a in response.context["action_list"]]
    assert names[0] == "first_contact" and "acknowledge" not in names
    assert 'href="#action-first_contact"' in card and "Record first contact" in text(card)
    page = response.content.decode()
    assert page.index('id="action-first_contact"') < page.index('id="action-close"')

    with at(8, 0):
        services.record_first_contact(actor=world.worker, referral=urgent)
        response, card = card_of(client, world.worker, urgent)
    assert 'href="#action-note"' in card and 'id="action-note"' in response.content.decode()


def test_the_order_follows_the_status_and_only_offers_what_the_policy_allows():
    assert ordered_actions(status="submitted", allowed={"decline", "accept", "acknowledge", "note"}) == [
        "acknowledge",
        "accept",
        "decline",
        "note",
    ]
    assert ordered_actions(status="accepted", allowed={"close", "first_contact", "reassign"}) == [
        "first_contact",
        "close",
        "reassign",
    ]
    assert ordered_actions(status="in_progress", allowed={"close", "share", "note"})[:2] == ["note", "close"]
    assert ordered_actions(status="submitted", allowed=set()) == []


def test_the_card_offers_no_step_the_policy_does_not_allow(world, client, urgent):
    # The officer may cancel or write a note, but neither is the team's next step.
    with at(6, 46):
        response, card = card_of(client, world.officer, urgent)
    assert {"cancel", "note"} <= response.context["actions"]
    assert "primary-action" not in card
    # A social worker of another team cannot even open it.
    client.force_login(f.SocialWorkerFactory())
    assert client.get(urgent.get_absolute_url()).status_code == 404


def test_the_household_line_counts_other_referrals_and_links_for_social_work(world, client, urgent):
    for _ in range(2):
        other = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
        Referral.objects.filter(pk=other.pk).update(household=urgent.household)
    with at(6, 46):
        _, card = card_of(client, world.worker, urgent)
    assert "Household: 2 other referrals" in text(card)
    assert f'href="{reverse("referrals:household", args=[urgent.household_id])}"' in card
    with at(6, 46):
        _, police_card = card_of(client, world.officer, urgent)
    assert "Household:" not in police_card


def test_the_card_in_traditional_chinese(world, client, urgent):
    services.sweep_escalations(now=datetime(2026, 11, 24, 7, 40, tzinfo=TAIPEI))
    other = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
    Referral.objects.filter(pk=other.pk).update(household=urgent.household)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hant"
    with at(7, 50):
        _, card = card_of(client, world.worker, urgent)
    read = text(card)
    assert "下一步" in read
    assert "確認收案" in read and "督導" in read
    assert "已逾時 41 分鐘" in read and "家庭歸戶" in read
    assert "overdue" not in read and "Acknowledge" not in read


def test_the_case_page_query_count_does_not_grow(world, client, urgent, django_assert_max_num_queries):
    services.sweep_escalations(now=datetime(2026, 11, 24, 7, 40, tzinfo=TAIPEI))
    for _ in range(3):
        other = services.submit_referral(actor=world.officer, persons=[SUBJECT], **referral_data())
        Referral.objects.filter(pk=other.pk).update(household=urgent.household)
    client.force_login(world.supervisor)
    client.get(urgent.get_absolute_url())
    with django_assert_max_num_queries(21):
        assert client.get(urgent.get_absolute_url()).status_code == 200
    services.acknowledge_referral(actor=world.worker, referral=urgent)
    client.force_login(world.worker)
    client.get(urgent.get_absolute_url())
    with django_assert_max_num_queries(18):
        assert client.get(urgent.get_absolute_url()).status_code == 200
