from datetime import date

from django.core.management.base import BaseCommand, CommandError

from restoration.services.workflow import cases_mark_overdue


class Command(BaseCommand):
    help = "Turn rectification orders whose deadline has passed overdue (safe to run any number of times)."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Pretend today is this date (YYYY-MM-DD); default: today in Shanghai.")

    def handle(self, *args, **options):
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date like 2026-12-31") from None
        moved = cases_mark_overdue(today=today)
        self.stdout.write(f"{moved} case(s) marked overdue.")
