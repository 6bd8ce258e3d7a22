"""Deadline reminders, the in-app inbox and the daily e-mail digest.

The database is the schedule: a reminder exists once its row exists, and the row's uniqueness
(case, deadline version, kind, offset, recipient) is what makes a second claim impossible.
No reminder is ever a Celery task with an ETA.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    BEFORE = "before", _("Deadline approaching")
    PASSED = "passed", _("Deadline passed")
    ESCALATION = "escalation", _("Escalation: deadline missed")


def default_offsets():
    return [30, 7, 1]


class ReminderPolicy(models.Model):
    """How far ahead to remind, when to escalate, when the digest goes out. One row, edited in the admin."""

    offsets_days = models.JSONField(
        _("remind this many days before a deadline"),
        default=default_offsets,
        help_text=_("A list of whole days, e.g. [30, 7, 1]."),
    )
    notify_when_passed = models.BooleanField(_("notify the day after a deadline passes"), default=True)
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to supervisors this many days after a missed deadline"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    digest_hour = models.PositiveSmallIntegerField(
        _("send the daily digest at this hour (Shanghai time)"),
        default=8,
        validators=[MaxValueValidator(23)],
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")

    def __str__(self):
        return str(_("Reminder policy"))

    @classmethod
    def current(cls) -> "ReminderPolicy":
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    def clean(self):
        from django.core.exceptions import ValidationError

        offsets = self.offsets_days
        if (
            not isinstance(offsets, list)
            or not offsets
            or any(not isinstance(d, int) or isinstance(d, bool) or d < 1 or d > 365 for d in offsets)
        ):
            raise ValidationError({"offsets_days": _("Give a list of whole days between 1 and 365, e.g. [30, 7, 1].")})
        self.offsets_days = sorted(set(offsets), reverse=True)


class NoticeQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)


class Notice(models.Model):
    """One line in a user's inbox."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="notices"
    )
    case = models.ForeignKey(
        "restoration.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    title = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    reminder = models.OneToOneField(
        "notifications.Reminder",
        verbose_name=_("reminder"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notice",
    )
    digest = models.ForeignKey(
        "notifications.Digest",
        verbose_name=_("sent in digest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notices",
    )

    objects = NoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self):
        return self.title


class Reminder(models.Model):
    """The claim: this reminder, for this version of this deadline, to this person, exists once."""

    case = models.ForeignKey(
        "restoration.Case", verbose_name=_("case"), on_delete=models.CASCADE, related_name="reminders"
    )
    deadline_version = models.PositiveIntegerField(_("deadline version"))
    deadline = models.DateField(_("deadline"))
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    offset_days = models.IntegerField(_("days before the deadline (negative: after)"))
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="+"
    )
    sweep = models.UUIDField(_("claimed by sweep"), db_index=True)
    created_at = models.DateTimeField(_("claimed at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["case", "deadline_version", "kind", "offset_days", "recipient"],
                name="reminder_once_per_deadline_version_offset_recipient",
            )
        ]

    def __str__(self):
        return f"{self.case_id} v{self.deadline_version} {self.kind} {self.offset_days} → {self.recipient_id}"


class DigestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed after retries")
    EMPTY = "empty", _("Nothing to send")


class Digest(models.Model):
    """One message per user, channel and day with the notices not yet sent; retried with backoff."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recipient"), on_delete=models.CASCADE, related_name="digests"
    )
    digest_date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=32, default="email")
    status = models.CharField(
        _("status"), max_length=16, choices=DigestStatus.choices, default=DigestStatus.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("being sent until"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    message_id = models.CharField(_("message ID"), max_length=255, blank=True)

    class Meta:
        ordering = ["-digest_date", "recipient"]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "digest_date", "channel"], name="digest_once_per_day"),
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status__in=["pending", "sending"]), name="digest_due")
        ]

    def __str__(self):
        return f"{self.recipient_id} {self.digest_date} {self.status}"
