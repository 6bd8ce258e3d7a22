"""Reminders 30, 7 and 1 days before a deadline and when it passes, escalation after 7 days,
one digest per user per day, each exactly once however often the sweep runs."""

from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications.models import Digest, DigestStatus, Notice, Reminder, ReminderKind, ReminderPolicy
from notifications.services import digests_send, reminders_sweep
from restoration.choices import CaseState
from restoration.services import workflow
from tests.factories import Closure

S = CaseState


def at(day, hour=9):
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=hour))


@pytest.fixture
def ordered(mine_a, company_user, officer, supervisor, contractor_org):
    """A closure case under a rectification order due in 30 days, assigned to the officer."""
    closure = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    case = closure.to(S.RECTIFICATION_ORDERED)
    assert case.assigned_officer == officer
    return case


def notices_for(user):
    return list(Notice.objects.filter(recipient=user).values_list("kind", "reminder__offset_days"))


def test_the_company_and_the_officer_are_reminded_30_7_and_1_days_before(ordered, company_user, officer):
    deadline = ordered.deadline
    for days in (30, 7, 1):
        reminders_sweep(now=at(deadline - timedelta(days=days)))
    expected = [(ReminderKind.BEFORE, 30), (ReminderKind.BEFORE, 7), (ReminderKind.BEFORE, 1)]
    assert sorted(notices_for(company_user)) == sorted(expected)
    assert sorted(notices_for(officer)) == sorted(expected)


def test_a_sweep_run_twice_or_every_hour_sends_nothing_twice(ordered, company_user):
    day = ordered.deadline - timedelta(days=7)
    for hour in range(0, 24, 3):
        reminders_sweep(now=at(day, hour))
    reminders_sweep(now=at(day, 23))
    assert notices_for(company_user) == [(ReminderKind.BEFORE, 7)]


def test_a_missed_sweep_catches_up_within_the_window_but_sends_no_stale_reminder(ordered, company_user):
    # No sweep ran 30 days before; 20 days before, the 30-day reminder is still sent, once.
    reminders_sweep(now=at(ordered.deadline - timedelta(days=20)))
    assert notices_for(company_user) == [(ReminderKind.BEFORE, 30)]
    # Nothing ran between day -20 and day -3; at -3 only the 7-day reminder goes, not the 30-day again.
    reminders_sweep(now=at(ordered.deadline - timedelta(days=3)))
    assert sorted(notices_for(company_user)) == [(ReminderKind.BEFORE, 7), (ReminderKind.BEFORE, 30)]


def test_when_the_deadline_passes_everyone_is_told_and_supervisors_hear_7_days_later(
    ordered, company_user, officer, supervisor, supervisor2
):
    reminders_sweep(now=at(ordered.deadline + timedelta(days=1)))
    ordered.refresh_from_db()
    assert ordered.state == S.OVERDUE, "the sweep also turns passed deadlines overdue"
    assert (ReminderKind.PASSED, -1) in notices_for(company_user)
    assert (ReminderKind.PASSED, -1) in notices_for(officer)
    assert notices_for(supervisor) == []
    reminders_sweep(now=at(ordered.deadline + timedelta(days=7)))
    assert notices_for(supervisor) == [(ReminderKind.ESCALATION, -7)]
    assert notices_for(supervisor2) == [(ReminderKind.ESCALATION, -7)]
    reminders_sweep(now=at(ordered.deadline + timedelta(days=20)))
    assert notices_for(supervisor) == [(ReminderKind.ESCALATION, -7)], "escalated once"


def test_a_moved_deadline_gets_its_own_reminders_and_the_old_ones_are_not_sent(ordered, company_user, officer):
    old_deadline = ordered.deadline
    reminders_sweep(now=at(old_deadline - timedelta(days=30)))
    # The company submits, the re-inspection fails, a new order with a new deadline is approved.
    from tests.factories import inspect, png_file, upload

    upload(ordered, company_user, png_file("整改.png", color=(7, 7, 7)))
    workflow.case_submit_rectification(case_id=ordered.pk, user=company_user)
    inspect(ordered, officer, passed=False, deadline_days=45)
    from accounts.models import User

    workflow.case_approve(case_id=ordered.pk, user=User.objects.get(username="supervisor"))
    ordered.refresh_from_db()
    assert ordered.deadline_version == 2 and ordered.deadline != old_deadline
    # On the old deadline's 7-day mark nothing is sent for the old version.
    reminders_sweep(now=at(old_deadline - timedelta(days=7)))
    versions = set(Reminder.objects.filter(recipient=company_user).values_list("deadline_version", "offset_days"))
    assert (1, 7) not in versions
    reminders_sweep(now=at(ordered.deadline - timedelta(days=7)))
    assert (2, 7) in set(Reminder.objects.filter(recipient=company_user).values_list("deadline_version", "offset_days"))


def test_a_met_deadline_sends_nothing_more(ordered, company_user):
    from tests.factories import png_file, upload

    upload(ordered, company_user, png_file("已整改.png", color=(9, 9, 9)))
    workflow.case_submit_rectification(case_id=ordered.pk, user=company_user)
    reminders_sweep(now=at(ordered.deadline - timedelta(days=1)))
    reminders_sweep(now=at(ordered.deadline + timedelta(days=8)))
    assert notices_for(company_user) == []


def test_each_user_gets_one_digest_a_day_not_one_mail_per_reminder(ordered, company_user, officer, mine_a):
    from tests.conftest import make_mine

    # A second case of the same company due the same day.
    closure2 = Closure(
        mine=make_mine(company_user.company, mine_a.county, name="第二矿"),
        company_user=company_user,
        officer=officer,
        supervisor=ordered.orders.get().decided_by,
        contractor_org=None,
    )
    second = closure2.to(S.RECTIFICATION_ORDERED)
    assert second.deadline == ordered.deadline
    day = ordered.deadline - timedelta(days=7)
    reminders_sweep(now=at(day, 6))
    assert Notice.objects.filter(recipient=company_user).count() == 2
    assert digests_send(now=at(day, 7)).sent == 0, "not before the digest hour"
    result = digests_send(now=at(day, 8))
    assert result.sent == 2  # the company user and the officer
    to_company = [m for m in mail.outbox if m.to == [company_user.email]]
    assert len(to_company) == 1
    assert ordered.number in to_company[0].body and second.number in to_company[0].body
    assert to_company[0].extra_headers["Message-ID"].startswith("<digest-")
    assert digests_send(now=at(day, 9)).sent == 0
    assert len(mail.outbox) == 2


def test_a_user_without_e_mail_still_gets_the_notice_in_the_inbox(ordered, company_user):
    company_user.email = ""
    company_user.save()
    day = ordered.deadline - timedelta(days=7)
    reminders_sweep(now=at(day, 6))
    digests_send(now=at(day, 8))
    assert notices_for(company_user) == [(ReminderKind.BEFORE, 7)]
    assert not Digest.objects.filter(recipient=company_user).exists()
    assert all(company_user.email not in m.to for m in mail.outbox)


class FailingChannel:
    code = "email"
    calls = 0

    def address(self, user):
        return user.email

    def send(self, **kwargs):
        FailingChannel.calls += 1
        raise ConnectionRefusedError("SMTP server down")


def test_a_failing_mail_server_is_retried_with_backoff_and_never_loses_the_digest(ordered, company_user, settings):
    settings.NOTIFICATION_CHANNELS = ["tests.test_reminders.FailingChannel"]
    day = ordered.deadline - timedelta(days=7)
    reminders_sweep(now=at(day, 6))
    first = digests_send(now=at(day, 8))
    assert first.retried == 2 and first.sent == 0
    digest = Digest.objects.get(recipient=company_user)
    assert digest.status == DigestStatus.PENDING and digest.attempts == 1
    assert "SMTP server down" in digest.last_error
    assert digest.next_attempt_at > at(day, 8)
    assert digests_send(now=at(day, 8) + timedelta(seconds=30)).retried == 0, "waits for the backoff"
    # The server is back: the digest goes out once, with the notice.
    settings.NOTIFICATION_CHANNELS = ["notifications.channels.EmailChannel"]
    digests_send(now=at(day, 12))
    digest.refresh_from_db()
    assert digest.status == DigestStatus.SENT and digest.attempts == 2
    assert len([m for m in mail.outbox if m.to == [company_user.email]]) == 1
    assert Notice.objects.get(recipient=company_user).digest == digest


def test_after_max_attempts_a_digest_is_marked_failed_not_dropped(ordered, company_user, settings):
    settings.NOTIFICATION_CHANNELS = ["tests.test_reminders.FailingChannel"]
    day = ordered.deadline - timedelta(days=7)
    reminders_sweep(now=at(day, 6))
    now = at(day, 8)
    for _ in range(8):
        digests_send(now=now)
        now += timedelta(hours=3)
    digest = Digest.objects.get(recipient=company_user)
    assert digest.status == DigestStatus.FAILED and digest.attempts == 6
    assert Notice.objects.get(recipient=company_user).digest is None, "the notice is still unsent, in the inbox"


def test_the_offsets_are_changed_in_the_policy_without_a_deploy(ordered, company_user):
    policy = ReminderPolicy.current()
    policy.offsets_days = [14, 3]
    policy.save()
    reminders_sweep(now=at(ordered.deadline - timedelta(days=14)))
    reminders_sweep(now=at(ordered.deadline - timedelta(days=7)))
    reminders_sweep(now=at(ordered.deadline - timedelta(days=3)))
    assert sorted(notices_for(company_user)) == [(ReminderKind.BEFORE, 3), (ReminderKind.BEFORE, 14)]


def test_the_policy_refuses_nonsense_offsets(db):
    from django.core.exceptions import ValidationError

    policy = ReminderPolicy.current()
    for bad in ([], [0], ["7"], [400], "7"):
        policy.offsets_days = bad
        with pytest.raises(ValidationError):
            policy.full_clean()


def test_the_header_shows_the_unread_count_and_the_inbox_marks_read(client_for, ordered, company_user):
    reminders_sweep(now=at(ordered.deadline - timedelta(days=7)))
    client = client_for(company_user)
    response = client.get(reverse("home"))
    assert response.context["unread_notices"] == 1
    notice = Notice.objects.get(recipient=company_user)
    body = client.get(reverse("inbox")).content.decode()
    assert ordered.number in body
    response = client.post(reverse("notice-open", args=[notice.pk]))
    assert response["Location"] == ordered.get_absolute_url()
    assert client.get(reverse("home")).context["unread_notices"] == 0


def test_nobody_opens_another_users_notice(client_for, ordered, company_user, company_b_user):
    reminders_sweep(now=at(ordered.deadline - timedelta(days=7)))
    notice = Notice.objects.get(recipient=company_user)
    assert client_for(company_b_user).post(reverse("notice-open", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_the_send_reminders_command_does_one_sweep_and_sends_due_digests(ordered, company_user):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("send_reminders", "--now", f"{ordered.deadline - timedelta(days=7)}T09:00", stdout=out)
    assert "reminder(s) claimed" in out.getvalue()
    assert notices_for(company_user) == [(ReminderKind.BEFORE, 7)]
