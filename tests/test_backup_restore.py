"""Backup and restore (issue 8, item 5): a world made through the services is backed up, restored by
`manage.py restore` in another process into a new empty database and media folder, and found there
as before: every case, event, ledger entry and evidence file (by checksum).

Runs on PostgreSQL (CI; the second database is created with CREATE DATABASE and the append-only
triggers are checked in it) and on SQLite (a second database file)."""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone

from restoration.choices import CaseState
from tests.factories import Closure, jpeg_file, upload

ROOT = Path(__file__).resolve().parent.parent
pytestmark = [pytest.mark.django_db(transaction=True)]

WORLD = [
    ("cases", "restoration.Case"),
    ("case_events", "restoration.CaseEvent"),
    ("inspections", "restoration.Inspection"),
    ("fund_accounts", "restoration.FundAccount"),
    ("fund_entries", "restoration.FundEntry"),
    ("receivables", "restoration.Receivable"),
    ("receivable_payments", "restoration.ReceivablePayment"),
    ("evidence", "restoration.Evidence"),
    ("users", "accounts.User"),
]


def world_rows() -> dict:
    """Every row of the records that matter, and each evidence file's SHA-256 as read back from storage.
    Also run in the restoring process's environment (see `rows_in`)."""
    from django.apps import apps
    from django.core.files.storage import storages

    rows = {label: list(apps.get_model(model).objects.order_by("pk").values()) for label, model in WORLD}
    storage = storages["evidence"]
    files = {}
    for evidence in apps.get_model("restoration.Evidence").objects.order_by("pk"):
        with storage.open(evidence.file.name, "rb") as handle:
            files[evidence.file.name] = hashlib.sha256(handle.read()).hexdigest()
    rows["files"] = files
    return json.loads(json.dumps(rows, cls=DjangoJSONEncoder))


@dataclass
class Target:
    """A new installation: an empty database and an empty media folder."""

    url: str
    media: Path
    database: str

    def env(self) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": self.url,
            "MEDIA_ROOT": str(self.media),
            "DEBUG": "0",
        }

    def manage(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300
        )

    def rows(self) -> dict:
        code = (
            "import django, json; django.setup(); "
            "from tests.test_backup_restore import world_rows; print(json.dumps(world_rows()))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)

    def tables(self) -> list[str]:
        code = (
            "import django; django.setup(); from django.db import connection; "
            "print('\\n'.join(connection.introspection.table_names()))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.split()

    def media_state(self) -> dict:
        return {
            p.relative_to(self.media).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in self.media.rglob("*")
            if p.is_file()
        }


def _pg_url(name: str) -> str:
    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"


@pytest.fixture
def new_installation(tmp_path):
    """`new_installation(name)`: an empty database (PostgreSQL: CREATE DATABASE beside the test
    database; SQLite: a new file) and an empty media folder."""
    created = []

    def make(name: str) -> Target:
        media = tmp_path / f"media-{name}"
        if connection.vendor == "postgresql":
            database = f"{connection.settings_dict['NAME']}_{name}"[:63]
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
                cursor.execute(f'CREATE DATABASE "{database}"')
            created.append(database)
            return Target(url=_pg_url(database), media=media, database=database)
        path = tmp_path / f"{name}.sqlite3"
        return Target(url=f"sqlite:///{path}", media=media, database=str(path))

    yield make
    with connection.cursor() as cursor:
        for database in created:
            cursor.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


@pytest.fixture
def world(mine_a, mine_b, company_user, company_b_user, officer, supervisor, contractor_org):
    """Cases in several states with their events and evidence files, a ledger with entries of
    several kinds, a receivable and a payment on it, all made through the services."""
    from restoration.models import Receivable
    from restoration.services import funds

    delegated = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    delegated.to(CaseState.AWAITING_APPROVAL)
    submitted = Closure(
        mine=mine_b, company_user=company_b_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    submitted.to(CaseState.SUBMITTED)
    upload(submitted.case, company_b_user, jpeg_file("现场.jpg", lat=39.6, lon=112.2), kind="photo")
    for mine in (mine_a, mine_b):
        account = funds.fund_account_for(mine)
        funds.fund_record(account_id=account.pk, user=officer, kind="accrual", amount=Decimal("5000.00"))
        funds.fund_record(account_id=account.pk, user=officer, kind="deposit", amount=Decimal("1234.56"), memo="存入")
    receivable = Receivable.objects.get(case=delegated.case)
    funds.receivable_record_payment(
        receivable_id=receivable.pk, user=officer, amount=Decimal("100.00"), paid_on=timezone.localdate()
    )
    return [delegated.case, submitted.case]


def _backup(tmp_path, name="backups") -> Path:
    call_command("backup", output=str(tmp_path / name), stdout=io.StringIO())
    archives = sorted((tmp_path / name).glob("restoration-*.tar.gz"))
    assert len(archives) == 1, archives
    return archives[0]


def _append_only_refuses_updates(target: Target) -> None:
    import psycopg

    s = connection.settings_dict
    params = {"dbname": target.database, "user": s["USER"], "host": s["HOST"], "port": s["PORT"] or 5432}
    if s["PASSWORD"]:
        params["password"] = s["PASSWORD"]
    with psycopg.connect(**params) as db:
        for table in ("restoration_caseevent", "restoration_fundentry", "restoration_receivablepayment"):
            for statement in (f"UPDATE {table} SET id = id", f"DELETE FROM {table}"):  # noqa: S608
                with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"), db.transaction():
                    db.execute(statement)


def test_a_backup_restored_into_a_new_installation_has_every_record_and_file(world, tmp_path, new_installation):
    before = world_rows()
    assert len(before["cases"]) == 2 and len(before["case_events"]) > 10
    assert len(before["fund_entries"]) >= 4 and len(before["receivable_payments"]) == 1
    assert len(before["files"]) == 5

    archive = _backup(tmp_path)
    assert archive.name.startswith("restoration-") and oct(archive.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(next(n for n in names if n.endswith("/manifest.json"))))
    assert manifest["counts"]["cases"] == 2
    assert manifest["counts"]["case_events"] == len(before["case_events"])
    assert manifest["counts"]["fund_entries"] == len(before["fund_entries"])
    assert manifest["counts"]["evidence"] == len(before["evidence"])
    assert {f["path"]: f["sha256"] for f in manifest["files"]} == before["files"]
    assert "restoration.0004_fund_balances_and_more_append_only" in manifest["migrations"]
    assert manifest["missing_files"] == [] and manifest["changed_files"] == []

    target = new_installation("restored")
    result = target.manage("restore", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verified" in result.stdout
    assert target.rows() == before  # every case, event, ledger entry, and every file by checksum
    if connection.vendor == "postgresql":
        _append_only_refuses_updates(target)

    # Restoring again into the installation that now has data is refused and changes nothing.
    media_before = target.media_state()
    again = target.manage("restore", str(archive))
    assert again.returncode != 0
    assert "not empty" in again.stderr and "Nothing was changed" in again.stderr
    assert target.rows() == before
    assert target.media_state() == media_before

    # An empty database with files already in MEDIA_ROOT is not empty either.
    crowded = new_installation("crowded")
    (crowded.media / "evidence").mkdir(parents=True)
    (crowded.media / "evidence" / "someone-elses").write_bytes(b"x")
    refused = crowded.manage("restore", str(archive))
    assert refused.returncode != 0 and "MEDIA_ROOT" in refused.stderr
    assert crowded.tables() == []
    assert [p.name for p in crowded.media.rglob("*") if p.is_file()] == ["someone-elses"]

    # --force replaces what is there, and verifies the same way.
    forced = target.manage("restore", "--force", str(archive))
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert target.rows() == before


def test_a_damaged_archive_or_a_missing_file_is_reported(world, tmp_path, new_installation, settings):
    archive = _backup(tmp_path)

    # One evidence file changed inside the archive: refused before anything is touched.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(damaged, "w:gz") as copy:
        changed = None
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if changed is None and "/media/evidence/" in member.name:
                changed, data = member.name, data[:-1] + bytes([data[-1] ^ 1])
            copy.addfile(member, io.BytesIO(data))
    target = new_installation("damaged")
    result = target.manage("restore", str(damaged))
    assert result.returncode != 0
    assert "damaged" in result.stderr and changed.split("/media/", 1)[1] in result.stderr
    assert target.tables() == [] and not target.media.exists()

    # An evidence file lost from MEDIA_ROOT: the backup is written, says so and fails; the restore
    # restores everything else and fails its verification naming the file.
    lost = world[1].evidence.order_by("pk").first()
    (Path(settings.MEDIA_ROOT) / lost.file.name).unlink()
    with pytest.raises(CommandError, match="incomplete"):
        call_command("backup", output=str(tmp_path / "second"), stdout=io.StringIO(), stderr=io.StringIO())
    (incomplete,) = (tmp_path / "second").glob("restoration-*.tar.gz")
    target = new_installation("incomplete")
    result = target.manage("restore", str(incomplete))
    assert result.returncode != 0
    assert f"evidence #{lost.pk}: file {lost.file.name} is missing (already missing when the backup was made)" in (
        result.stderr
    )
    assert "verification failed: 1 problem" in result.stderr
