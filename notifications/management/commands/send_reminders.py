from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.services import digests_send, reminders_sweep


class Command(BaseCommand):
    help = (
        "One reminder sweep (overdue, reminders, escalations) and then every digest that is due. "
        "For cron users and for `make run`, which has no Celery beat; safe to run any number of times."
    )

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Pretend it is this time (ISO 8601, Shanghai time if no zone).")
        parser.add_argument("--no-digests", action="store_true", help="Only sweep; send no digests.")

    def handle(self, *args, **options):
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError:
                raise CommandError("--now must look like 2026-12-01T08:30") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        swept = reminders_sweep(now=now)
        self.stdout.write(
            f"Sweep: {swept.overdue} overdue, {swept.claimed} reminder(s) claimed in {swept.batches} batch(es)."
        )
        if not options["no_digests"]:
            sent = digests_send(now=now)
            self.stdout.write(
                f"Digests: {sent.sent} sent, {sent.empty} empty, {sent.retried} to retry, {sent.failed} failed."
            )
