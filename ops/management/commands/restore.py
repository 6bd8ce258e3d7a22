from django.core.management.base import BaseCommand, CommandError

from ops.archive import format_counts, human_size, named_counts, restore


class Command(BaseCommand):
    help = (
        "Restore an archive made by `backup` into an empty installation (DATABASE_URL, MEDIA_ROOT), "
        "then verify every count and every file's SHA-256 against the archive's manifest."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="restoration-YYYYmmdd-HHMMSS.tar.gz")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Restore even if the database has tables or MEDIA_ROOT has files: drops the database's "
            "public schema (PostgreSQL) or replaces the file (SQLite) first. Stop the application before.",
        )

    def handle(self, *args, **options):
        result = restore(options["archive"], force=options["force"])
        manifest = result.manifest
        self.stdout.write(f"Restored {manifest['name']} (made {manifest['created_at']}, {manifest['engine']})")
        self.stdout.write(f"  database: {format_counts(named_counts(result.facts['tables']))}")
        self.stdout.write(f"  files: {result.files} ({human_size(result.bytes)}), {result.seconds:.1f} s")
        for note in result.notes:
            self.stdout.write(f"  note: {note}")
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"  MISMATCH {problem}")
            raise CommandError(f"Restore verification failed: {len(result.problems)} problem(s), listed above.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Verified: {len(result.facts['tables'])} tables' row counts, the migrations and "
                f"{result.files} files' SHA-256 match the backup."
            )
        )
