from django.core.management.base import BaseCommand

from mines.demo import DEMO_PASSWORD, DemoLoader


class Command(BaseCommand):
    help = "Load the Shuozhou demo data set (the plan's 2020 figures); running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the demo accounts.")

    def handle(self, *args, **options):
        from restoration.demo import demo_cases, load_demo_cases
        from restoration.demo_finance import load_demo_finance
        from restoration.models import Case, FundEntry, ProjectDisbursement

        loader = DemoLoader(stdout=self.stdout)
        loader.run()
        created = load_demo_cases(loader)
        load_demo_finance(loader)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"Restoration cases: {Case.objects.count()} in all, {demo_cases().count()} of them demo cases"
            f" ({created} created now)."
        )
        self.stdout.write(
            f"Finance: {FundEntry.objects.count()} fund entries, "
            f"{ProjectDisbursement.objects.count()} key-project disbursements."
        )
        if not options["quiet_accounts"]:
            self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
            for account, _user in loader.accounts:
                self.stdout.write(f"  {account.username:<16} {account.description}")
