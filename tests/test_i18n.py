"""Chinese first, English second: every interface string is translated, and the switch works."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}")


def test_every_string_in_the_chinese_catalogue_is_translated():
    po = polib.pofile(str(CATALOGUE))
    missing = [e.msgid for e in po if e.fuzzy or not (e.msgstr or e.msgstr_plural.get(0))]
    assert missing == []


def test_translations_keep_their_placeholders():
    po = polib.pofile(str(CATALOGUE))
    broken = [
        e.msgid
        for e in po
        if set(PLACEHOLDER.findall(e.msgid)) != set(PLACEHOLDER.findall(e.msgstr or e.msgstr_plural.get(0, "")))
    ]
    assert broken == []


SOURCES = (
    "accounts",
    "api",
    "config",
    "mines",
    "notifications",
    "ops",
    "restoration",
    "targets",
    "templates",
    "manage.py",
)


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs gettext's xgettext (Debian package gettext)")
def test_the_catalogue_covers_every_string_in_the_code_and_templates(tmp_path):
    """Re-extract the strings in a copy of the project (makemessages writes next to the sources);
    nothing new may appear untranslated."""
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy(source, tmp_path / name)
    shutil.copytree(ROOT / "locale", tmp_path / "locale")
    env = {"DEBUG": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    po = polib.pofile(str(tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    missing = [e.msgid for e in po if not e.obsolete and (e.fuzzy or not (e.msgstr or e.msgstr_plural.get(0)))]
    assert missing == [], "run `make messages` and translate these"


def test_pages_are_in_chinese_by_default(client, officer):
    client.force_login(officer)
    body = client.get(reverse("mine-list")).content.decode()
    assert "矿山" in body and "采矿许可证号" in body


def test_the_language_switch_in_the_header_changes_the_interface_to_english(client, officer):
    client.force_login(officer)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("mine-list")})
    assert response.status_code == 302
    body = client.get(reverse("mine-list")).content.decode()
    assert "Licence number" in body
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert "采矿许可证号" in client.get(reverse("mine-list")).content.decode()
