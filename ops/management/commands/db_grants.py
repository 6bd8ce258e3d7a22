from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from ops.grants import append_only_tables, check_role, current_schema, grant_statements, role_exists


class Command(BaseCommand):
    help = (
        "PostgreSQL: print (or with --apply run, as the tables' owner) the GRANTs for the application's "
        "database role: read and write everything except UPDATE, DELETE and TRUNCATE on the append-only "
        "tables. Re-run after every migration. --check verifies what the role can actually do."
    )

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="The role the web and worker processes log in as.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--apply", action="store_true", help="Run the statements now, then check the role.")
        mode.add_argument("--check", action="store_true", help="Only check the role's privileges; exit 1 if wrong.")

    def handle(self, *args, **options):
        if connection.vendor != "postgresql":
            self.stdout.write(
                f"db_grants is for PostgreSQL; this installation uses {connection.vendor}, which has no roles. "
                "Nothing to do."
            )
            return
        role = options["role"]
        schema = current_schema()
        if options["check"]:
            self._report(role, schema)
            return
        statements = grant_statements(role, schema=schema, database=connection.settings_dict["NAME"])
        if not options["apply"]:
            self.stdout.write(
                f"-- The application role {role}: run as the owner of the tables (the role that runs migrate)\n"
                f"-- in database {connection.settings_dict['NAME']}, after every migration.\n"
                f"-- Append-only (SELECT and INSERT only): {', '.join(append_only_tables())}\n"
                "BEGIN;"
            )
            for statement in statements:
                self.stdout.write(f"{statement};")
            self.stdout.write("COMMIT;")
            return
        if not role_exists(role):
            raise CommandError(
                f"Role {role} does not exist. Create it first, e.g. CREATE ROLE {role} LOGIN PASSWORD '…';"
            )
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        self.stdout.write(f"Granted {len(statements)} statement(s) to {role} in schema {schema}.")
        self._report(role, schema)

    def _report(self, role, schema):
        problems = check_role(role, schema=schema)
        if problems:
            for problem in problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"The role {role} does not have the application's privileges ({len(problems)} problem(s))."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{role}: reads and writes every table in {schema}; only reads and appends to "
                f"{', '.join(append_only_tables())}."
            )
        )
