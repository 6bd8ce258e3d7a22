import shutil
from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the interface translations (.po → .mo), with gettext's msgfmt or, without it, polib."

    def handle(self, *args, **options):
        if shutil.which("msgfmt"):
            call_command("compilemessages", "--ignore=.venv", verbosity=0)
            self.stdout.write("Translations compiled with msgfmt.")
            return
        count = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in Path(locale_path).glob("*/LC_MESSAGES/*.po"):
                polib.pofile(str(po_path)).save_as_mofile(str(po_path.with_suffix(".mo")))
                count += 1
        self.stdout.write(f"Translations compiled with polib ({count} catalogues; gettext not installed).")
