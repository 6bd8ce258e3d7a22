from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.env import env
from ops.archive import backup, format_counts, human_size


class Command(BaseCommand):
    help = (
        "Write the database and every file under MEDIA_ROOT into one dated archive, "
        "restoration-YYYYmmdd-HHMMSS.tar.gz (docs/operations.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            metavar="DIR",
            help="Folder for the archive; default $BACKUP_DIR, else backups/ in the project.",
        )

    def handle(self, *args, **options):
        output = Path(options["output"] or env("BACKUP_DIR", "") or Path(settings.BASE_DIR) / "backups")
        result = backup(output)
        manifest = result.manifest
        self.stdout.write(f"Backup written: {result.path}")
        self.stdout.write(f"  {manifest['engine']} database, {format_counts(manifest['counts'])}")
        self.stdout.write(
            f"  {len(manifest['files'])} file(s), {human_size(sum(f['size'] for f in manifest['files']))}; "
            f"archive {human_size(result.path.stat().st_size)}, {result.seconds:.1f} s"
        )
        if result.problems:
            for problem in result.problems:
                self.stderr.write(f"  {problem}")
            raise CommandError(
                f"The backup was written but is incomplete: {len(result.problems)} evidence file(s) missing or "
                "changed in MEDIA_ROOT (listed above and in the manifest)."
            )
        self.stdout.write(self.style.SUCCESS("Backup complete."))
