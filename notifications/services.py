"""The reminder sweep and the digest sender.

The sweep is set-based: for each reminder window it reads the cases whose deadline falls in it,
in primary-key batches, claims every (case, deadline version, kind, offset, recipient) by
inserting rows whose uniqueness makes a second claim impossible (`ON CONFLICT DO NOTHING`),
and writes in-app notices only for the rows this sweep inserted. Two sweeps at once, a sweep
rerun after a crash, or a sweep after a broker outage therefore each send every reminder once.
"""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from notifications.channels import channel, channels
from notifications.models import Digest, DigestStatus, Notice, Reminder, ReminderKind, ReminderPolicy
from restoration.choices import CaseState
from restoration.models import Case
from restoration.services.workflow import cases_mark_overdue

logger = logging.getLogger(__name__)

# States in which a deadline runs and is reminded of.
BEFORE_STATES = (CaseState.SCHEDULED, CaseState.RECTIFICATION_ORDERED)
AFTER_STATES = (CaseState.SCHEDULED, CaseState.RECTIFICATION_ORDERED, CaseState.OVERDUE)
MAX_ATTEMPTS = 6
LEASE = timedelta(minutes=10)


@dataclass(frozen=True)
class Window:
    kind: str
    offset: int  # days before the deadline; negative after it
    first: date | None  # deadlines from this date (None: no lower bound on age) …
    last: date  # … to this date
    states: tuple


@dataclass
class SweepResult:
    overdue: int = 0
    claimed: int = 0
    notices: int = 0
    batches: int = 0
    by_window: dict = field(default_factory=dict)


def reminder_windows(policy: ReminderPolicy, today: date) -> list[Window]:
    """Which deadlines are due which reminder today.

    A reminder N days ahead is due while the days left are at most N and more than the next
    smaller offset, so a missed sweep catches up later the same window but never sends a stale
    reminder after a nearer one. The smallest offset covers the deadline day itself.
    """
    offsets = sorted({int(d) for d in policy.offsets_days if int(d) > 0}, reverse=True)
    windows = []
    for i, days in enumerate(offsets):
        nearer = offsets[i + 1] if i + 1 < len(offsets) else -1
        # days_left in (nearer, days]  ⇔  deadline in [today + nearer + 1, today + days]
        windows.append(
            Window(
                ReminderKind.BEFORE,
                days,
                today + timedelta(days=nearer + 1),
                today + timedelta(days=days),
                BEFORE_STATES,
            )
        )
    escalate = policy.escalate_after_days
    if policy.notify_when_passed:
        # The day after the deadline until escalation: one "deadline passed" notice.
        windows.append(
            Window(
                ReminderKind.PASSED,
                -1,
                today - timedelta(days=escalate - 1),
                today - timedelta(days=1),
                AFTER_STATES,
            )
        )
    windows.append(Window(ReminderKind.ESCALATION, -escalate, None, today - timedelta(days=escalate), AFTER_STATES))
    return windows


def _digest_date(now: datetime, policy: ReminderPolicy) -> date:
    local = timezone.localtime(now)
    return local.date() if local.hour < policy.digest_hour else local.date() + timedelta(days=1)


def _digest_time(day: date, policy: ReminderPolicy) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()).replace(hour=policy.digest_hour))


class _Recipients:
    """Who hears about a case: its company's users and its officer; supervisors on escalation."""

    def __init__(self):
        self.company_users: dict[int, list[int]] = {}
        self.supervisors_by_county: dict[int, list[int]] = {}
        self.city_supervisors: list[int] | None = None

    def load_companies(self, company_ids):
        missing = {c for c in company_ids if c and c not in self.company_users}
        if not missing:
            return
        for company_id in missing:
            self.company_users[company_id] = []
        rows = User.objects.filter(role=Role.COMPANY, is_active=True, company_id__in=missing).values_list(
            "pk", "company_id"
        )
        for user_id, company_id in rows:
            self.company_users[company_id].append(user_id)

    def supervisors(self, county_id) -> list[int]:
        if self.city_supervisors is None:
            self.city_supervisors = list(
                User.objects.filter(role=Role.SUPERVISOR, is_active=True, city_wide=True).values_list("pk", flat=True)
            )
            for user_id, county in User.objects.filter(
                role=Role.SUPERVISOR, is_active=True, city_wide=False
            ).values_list("pk", "counties"):
                if county:
                    self.supervisors_by_county.setdefault(county, []).append(user_id)
        return sorted(set(self.city_supervisors) | set(self.supervisors_by_county.get(county_id, [])))

    def of(self, row, kind) -> list[int]:
        if kind == ReminderKind.ESCALATION:
            return self.supervisors(row["county_id"])
        people = list(self.company_users.get(row["company_id"], []))
        if row["assigned_officer_id"]:
            people.append(row["assigned_officer_id"])
        return sorted(set(people))


def _notice_text(row, kind, offset) -> tuple[str, str]:
    deadline = row["deadline"].isoformat()
    if kind == ReminderKind.BEFORE:
        title = _("%(number)s: deadline in %(days)d day(s), %(date)s") % {
            "number": row["number"],
            "days": offset,
            "date": deadline,
        }
    elif kind == ReminderKind.PASSED:
        title = _("%(number)s: the deadline of %(date)s has passed") % {"number": row["number"], "date": deadline}
    else:
        title = _("%(number)s: deadline of %(date)s missed by %(days)d days — escalated to supervisors") % {
            "number": row["number"],
            "date": deadline,
            "days": -offset,
        }
    return title[:255], row["title"]


def reminders_sweep(
    *, now: datetime | None = None, batch_size: int | None = None, pause_ms: int | None = None
) -> SweepResult:
    """One sweep: overdue first, then every due reminder, each claimed once."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_SWEEP_BATCH_SIZE
    pause = (settings.REMINDER_SWEEP_BATCH_PAUSE_MS if pause_ms is None else pause_ms) / 1000
    today = timezone.localtime(now).date()
    policy = ReminderPolicy.current()
    result = SweepResult(overdue=cases_mark_overdue(today=today))
    token = uuid.uuid4()
    recipients = _Recipients()
    digest_day = _digest_date(now, policy)
    fields = ("pk", "number", "title", "deadline", "deadline_version", "company_id", "county_id", "assigned_officer_id")
    with override(settings.LANGUAGE_CODE):
        for window in reminder_windows(policy, today):
            cases = Case.objects.filter(state__in=window.states, deadline__isnull=False, deadline__lte=window.last)
            if window.first is not None:
                cases = cases.filter(deadline__gte=window.first)
            last_pk = 0
            claimed_here = 0
            while True:
                rows = list(cases.filter(pk__gt=last_pk).order_by("pk").values(*fields)[:batch_size])
                if not rows:
                    break
                last_pk = rows[-1]["pk"]
                result.batches += 1
                claimed_here += _claim_batch(rows, window, token, now, recipients, digest_day, policy, result)
                if pause:
                    time.sleep(pause)
            result.by_window[f"{window.kind}{window.offset:+d}"] = claimed_here
    return result


def _claim_batch(rows, window, token, now, recipients, digest_day, policy, result) -> int:
    recipients.load_companies({row["company_id"] for row in rows})
    by_pk = {row["pk"]: row for row in rows}
    claims = [
        Reminder(
            case_id=row["pk"],
            deadline_version=row["deadline_version"],
            deadline=row["deadline"],
            kind=window.kind,
            offset_days=window.offset,
            recipient_id=user_id,
            sweep=token,
            created_at=now,
        )
        for row in rows
        for user_id in recipients.of(row, window.kind)
    ]
    if not claims:
        return 0
    with transaction.atomic():
        Reminder.objects.bulk_create(claims, ignore_conflicts=True, batch_size=1000)
        mine = list(
            Reminder.objects.filter(sweep=token, case_id__in=by_pk, kind=window.kind, offset_days=window.offset).values(
                "pk", "case_id", "recipient_id"
            )
        )
        notices = []
        for claim in mine:
            row = by_pk[claim["case_id"]]
            title, body = _notice_text(row, window.kind, window.offset)
            notices.append(
                Notice(
                    recipient_id=claim["recipient_id"],
                    case_id=claim["case_id"],
                    reminder_id=claim["pk"],
                    kind=window.kind,
                    title=title,
                    body=body,
                    deadline=row["deadline"],
                    created_at=now,
                )
            )
        Notice.objects.bulk_create(notices, batch_size=1000)
        _ensure_digests({n.recipient_id for n in notices}, digest_day, policy)
    result.claimed += len(mine)
    result.notices += len(notices)
    return len(mine)


def _ensure_digests(user_ids, day, policy):
    if not user_ids:
        return
    users = User.objects.filter(pk__in=user_ids, is_active=True)
    rows = []
    for ch in channels():
        for user in users.only("pk", "email", "phone"):
            if ch.address(user):
                rows.append(
                    Digest(recipient=user, digest_date=day, channel=ch.code, next_attempt_at=_digest_time(day, policy))
                )
    Digest.objects.bulk_create(rows, ignore_conflicts=True)


# ---------------------------------------------------------------- delivery


@dataclass
class SendResult:
    sent: int = 0
    empty: int = 0
    retried: int = 0
    failed: int = 0


def _claim_digests(now, limit) -> list[int]:
    """Take due digests for this sender: a conditional update, so two senders never take the same one."""
    with transaction.atomic():
        due = (
            Digest.objects.filter(
                Q(status=DigestStatus.PENDING, next_attempt_at__lte=now)
                | Q(status=DigestStatus.SENDING, lease_until__lt=now)
            )
            .select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        ids = list(due)
        if ids:
            Digest.objects.filter(pk__in=ids).update(status=DigestStatus.SENDING, lease_until=now + LEASE)
    return ids


def digests_send(*, now: datetime | None = None, limit: int = 200) -> SendResult:
    """Send every digest that is due; a failure is recorded and retried later with backoff."""
    now = now or timezone.now()
    result = SendResult()
    while True:
        ids = _claim_digests(now, limit)
        if not ids:
            return result
        for digest in Digest.objects.filter(pk__in=ids).select_related("recipient"):
            _send_one(digest, now, result)


def _send_one(digest: Digest, now, result: SendResult) -> None:
    notices = list(
        Notice.objects.filter(recipient=digest.recipient, digest__isnull=True, created_at__lte=now)
        .select_related("case")
        .order_by("created_at", "pk")
    )
    if not notices:
        Digest.objects.filter(pk=digest.pk, status=DigestStatus.SENDING).update(
            status=DigestStatus.EMPTY, lease_until=None
        )
        result.empty += 1
        return
    ch = channel(digest.channel)
    address = ch.address(digest.recipient)
    message_id = f"<digest-{digest.pk}-{digest.digest_date:%Y%m%d}@{settings.NOTIFICATION_MESSAGE_DOMAIN}>"
    try:
        if not address:
            raise ValueError("no address on this channel")
        subject, body = _digest_text(digest, notices)
        ch.send(address=address, subject=subject, body=body, message_id=message_id)
    except Exception as error:  # any channel failure: record, back off, retry
        attempts = digest.attempts + 1
        give_up = attempts >= MAX_ATTEMPTS
        Digest.objects.filter(pk=digest.pk).update(
            status=DigestStatus.FAILED if give_up else DigestStatus.PENDING,
            attempts=attempts,
            next_attempt_at=now + timedelta(minutes=2**attempts),
            lease_until=None,
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
        logger.warning("digest %s attempt %s failed: %s", digest.pk, attempts, error)
        if give_up:
            result.failed += 1
        else:
            result.retried += 1
        return
    with transaction.atomic():
        Digest.objects.filter(pk=digest.pk).update(
            status=DigestStatus.SENT,
            attempts=digest.attempts + 1,
            sent_at=timezone.now(),
            lease_until=None,
            message_id=message_id,
            last_error="",
        )
        Notice.objects.filter(pk__in=[n.pk for n in notices], digest__isnull=True).update(digest=digest)
    result.sent += 1


def _digest_text(digest, notices) -> tuple[str, str]:
    with override(settings.LANGUAGE_CODE):
        subject = _("Shuozhou mine restoration: %(count)d reminder(s) for %(date)s") % {
            "count": len(notices),
            "date": digest.digest_date.isoformat(),
        }
        lines = [
            _("Dear %(name)s,") % {"name": digest.recipient},
            "",
            _("These deadlines need your attention:"),
            "",
        ]
        for notice in notices:
            lines.append(f"• {notice.title}")
            if notice.case_id:
                lines.append(f"  {notice.case.title}")
                lines.append(f"  {settings.SITE_URL}{notice.case.get_absolute_url()}")
        lines += ["", _("This message is sent once a day. Your inbox in the system lists every notice.")]
    return subject, "\n".join(lines)
