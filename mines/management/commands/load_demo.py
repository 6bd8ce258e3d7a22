from django.core.management.base import BaseCommand

from mines.demo import DEMO_PASSWORD, DemoLoader


class Command(BaseCommand):
    help = "Load the Shuozhou demo data set (the plan's 2020 figures); running it twice changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not print the demo accounts.")

    def handle(self, *args, **options):
        loader = DemoLoader(stdout=self.stdout)
        loader.run()
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if not options["quiet_accounts"]:
            self.stdout.write(f"\nDemo accounts (password for all: {DEMO_PASSWORD}):")
            for account, _user in loader.accounts:
                self.stdout.write(f"  {account.username:<16} {account.description}")
