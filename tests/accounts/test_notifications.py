import pytest
from django.core import mail

from accounts import outbox, services
from accounts.models import Notification
from tests.factories import SocialWorkerFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_notify_creates_rows_and_sends_minimal_email_after_commit():
    user = SocialWorkerFactory()
    services.notify(
        recipients=[user, user], kind="referral.submitted", title="R-2026-000001: submitted", url="/referrals/1/"
    )
    n = Notification.objects.get(recipient=user)
    assert n.email_state == Notification.EmailState.SENT
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "R-2026-000001: submitted"
    assert "/referrals/1/" in mail.outbox[0].body


def test_email_waits_in_outbox_when_the_broker_is_down(monkeypatch):
    from accounts import tasks

    def broken(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_notification_email, "delay", broken)
    user = SocialWorkerFactory()
    services.notify(recipients=[user], kind="x", title="R-2026-000002: submitted")
    n = Notification.objects.get(recipient=user)
    assert n.email_state == Notification.EmailState.PENDING
    assert outbox.deliver_pending_emails(older_than=__import__("datetime").timedelta(0)) == 1
    assert outbox.deliver_pending_emails(older_than=__import__("datetime").timedelta(0)) == 0
    n.refresh_from_db()
    assert n.email_state == Notification.EmailState.SENT
    assert len(mail.outbox) == 1


def test_users_without_email_get_only_the_inbox_entry():
    user = SocialWorkerFactory(email="")
    services.notify(recipients=[user], kind="x", title="t")
    assert Notification.objects.get(recipient=user).email_state == Notification.EmailState.NONE
    assert mail.outbox == []


def test_a_dead_broker_is_not_asked_again_for_each_email(monkeypatch):
    from accounts import tasks

    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.send_notification_email, "delay", broken)
    users = [SocialWorkerFactory() for _ in range(3)]
    services.notify(recipients=users, kind="x", title="R-2026-000003: submitted")
    assert len(calls) == 1  # later e-mails wait in the outbox without another slow attempt
    assert Notification.objects.filter(email_state=Notification.EmailState.PENDING).count() == 3
