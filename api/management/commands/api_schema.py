from django.core.management.base import BaseCommand, CommandError

from api.schema import SCHEMA_FILE, generate_schema_yaml


class Command(BaseCommand):
    help = "Write the OpenAPI schema to docs/openapi.yaml (or, with --check, fail if it is out of date)."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Compare instead of writing.")

    def handle(self, *args, check=False, **options):
        schema = generate_schema_yaml()
        if check:
            current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
            if current != schema:
                raise CommandError(f"{SCHEMA_FILE} is out of date: run `make schema`.")
            self.stdout.write("The committed schema is up to date.")
            return
        SCHEMA_FILE.write_text(schema, encoding="utf-8")
        self.stdout.write(f"Wrote {SCHEMA_FILE}.")
