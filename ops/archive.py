"""Backup and restore of a whole installation: the database and the private evidence files.

One archive, ``restoration-YYYYmmdd-HHMMSS.tar.gz``, holds one folder of the same name::

    manifest.json       what is inside, and the facts a restore checks (counts, migrations, checksums)
    database.dump       PostgreSQL: pg_dump --format=custom, or
    database.sqlite3    SQLite: a copy made with SQLite's online backup API
    media/...           every file under MEDIA_ROOT, with its path relative to MEDIA_ROOT

Consistency: the database is read from one snapshot (PostgreSQL: an exported snapshot shared by
pg_dump and the manifest's counts; SQLite: the backup copy itself), and the files are copied after
it. A file whose record is in the snapshot was stored before its record was committed, so it is on
disk when the files are copied. An upload committed after the snapshot is not in the backup (its
file may be, as a file with no record, which restore reports and keeps). See docs/operations.md.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404
import tarfile
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import OperationalError, connection
from django.utils import timezone

FORMAT = "restoration-backup/1"
MANIFEST = "manifest.json"
MEDIA = "media"
DB_FILES = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 1024 * 1024

# The counts a manifest names; every table's row count is recorded and compared as well.
COUNTED = [
    ("cases", "restoration.Case"),
    ("case_events", "restoration.CaseEvent"),
    ("fund_entries", "restoration.FundEntry"),
    ("receivable_payments", "restoration.ReceivablePayment"),
    ("project_disbursements", "restoration.ProjectDisbursement"),
    ("evidence", "restoration.Evidence"),
    ("users", "accounts.User"),
]

# libpq reads these from the environment: credentials never appear on a command line.
_PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


# ---------------------------------------------------------------- helpers


def quote(name: str) -> str:
    """An SQL identifier, quoted for PostgreSQL and SQLite alike."""
    return '"' + name.replace('"', '""') + '"'


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


def vendor() -> str:
    if connection.vendor not in DB_FILES:
        raise CommandError(f"Backup and restore support PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT).resolve()


def media_files(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files under `root`, sorted; symbolic links are not followed."""
    if not root.is_dir():
        return []
    found = []
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in filenames:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                found.append(path.relative_to(root).as_posix())
    return sorted(found)


def pg_env() -> dict[str, str]:
    """The environment for pg_dump/pg_restore/psql: the DATABASE_URL's server and credentials."""
    settings_dict = connection.settings_dict
    env = os.environ.copy()
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    if settings_dict.get("NAME"):
        env["PGDATABASE"] = settings_dict["NAME"]
    for option, var in _PG_OPTION_ENV.items():
        if settings_dict.get("OPTIONS", {}).get(option):
            env[var] = str(settings_dict["OPTIONS"][option])
    env.setdefault("PGAPPNAME", "restoration-ops")
    return env


def run_tool(args: list[str], what: str) -> None:
    executable = shutil.which(args[0])
    if executable is None:
        raise CommandError(f"{args[0]} is not installed (Debian: apt-get install postgresql-client).")
    result = subprocess.run([executable, *args[1:]], env=pg_env(), capture_output=True, text=True, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise CommandError(f"{what} failed (exit {result.returncode}):\n{result.stderr.strip()}")


# ---------------------------------------------------------------- what the database holds


def list_tables(cursor, engine: str) -> list[str]:
    if engine == "postgresql":
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
    else:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 7) != 'sqlite_' ORDER BY 1"
        )
    return [row[0] for row in cursor.fetchall()]


def database_facts(cursor, engine: str) -> dict:
    """Row counts of every table, the applied migrations and the evidence records, read with `cursor`
    (a DB-API cursor on the database in question, inside the snapshot when there is one)."""
    tables = {}
    for table in list_tables(cursor, engine):
        cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608  # nosec B608
        tables[table] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())  # not the server's collation
    evidence = []
    model = apps.get_model("restoration", "Evidence")
    if model._meta.db_table in tables:
        columns = ", ".join(quote(model._meta.get_field(f).column) for f in ("id", "file", "sha256", "size"))
        cursor.execute(f"SELECT {columns} FROM {quote(model._meta.db_table)} ORDER BY 1")  # noqa: S608  # nosec B608
        evidence = [{"id": pk, "path": path, "sha256": sha, "size": size} for pk, path, sha, size in cursor.fetchall()]
    return {"tables": tables, "migrations": migrations, "evidence": evidence}


def named_counts(tables: dict[str, int]) -> dict[str, int]:
    return {label: tables.get(apps.get_model(model)._meta.db_table, 0) for label, model in COUNTED}


def format_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{label.replace('_', ' ')} {number}" for label, number in counts.items())


# ---------------------------------------------------------------- backup


@contextmanager
def _postgres_snapshot():
    """A read-only REPEATABLE READ transaction on a connection of its own, with its snapshot exported
    for pg_dump --snapshot; yields (snapshot id, cursor). Kept open until pg_dump is done."""
    params = connection.get_connection_params()
    raw = connection.Database.connect(**params)
    try:
        raw.autocommit = True
        cursor = raw.cursor()
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        yield cursor.fetchone()[0], cursor
        cursor.execute("COMMIT")
    finally:
        raw.close()


def dump_database(engine: str, target: Path) -> dict:
    """Write the database to `target`; return the facts read from the same snapshot."""
    if engine == "postgresql":
        with _postgres_snapshot() as (snapshot, cursor):
            facts = database_facts(cursor, engine)
            run_tool(
                ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}", f"--file={target}"],
                "pg_dump",
            )
        return facts
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        connection.connection.backup(destination)  # one step: a consistent copy even while others write
    finally:
        destination.close()
    copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
    try:
        return database_facts(copy.cursor(), engine)
    finally:
        copy.close()


class _HashingReader:
    """Reads a file into the archive and computes its SHA-256 on the way."""

    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, source: Path, name: str) -> tuple[str, int]:
    info = tarfile.TarInfo(name)
    info.size = source.stat().st_size
    info.mtime = int(source.stat().st_mtime)
    info.mode = 0o600
    with open(source, "rb") as handle:
        reader = _HashingReader(handle)
        tar.addfile(info, reader)
    return reader.digest.hexdigest(), info.size


def _add_bytes(tar: tarfile.TarFile, data: bytes, name: str) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


@dataclass
class BackupResult:
    path: Path
    manifest: dict
    seconds: float
    problems: list[str] = field(default_factory=list)


def backup(output_dir: Path) -> BackupResult:
    """Write one archive into `output_dir`; return it with its manifest and the problems found
    (evidence records whose file is missing or differs from its checksum: the archive is written
    anyway, and the caller reports failure)."""
    started = time.monotonic()
    engine = vendor()
    root = media_root()
    output_dir = Path(output_dir).resolve()
    if output_dir == root or root in output_dir.parents:
        raise CommandError(f"The backup folder {output_dir} must not lie inside MEDIA_ROOT ({root}).")
    output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = timezone.localtime()
    stem = f"restoration-{now:%Y%m%d-%H%M%S}"
    final = output_dir / f"{stem}.tar.gz"
    if final.exists():
        raise CommandError(f"{final} already exists; wait a second and run the backup again.")
    partial = output_dir / f".{stem}.tar.gz.partial"

    # The dump is staged beside the archives, not in /tmp (which may be small).
    with tempfile.TemporaryDirectory(prefix=".restoration-backup-", dir=output_dir) as work:
        db_file = Path(work) / DB_FILES[engine]
        facts = dump_database(engine, db_file)
        # Files are copied after the snapshot: every record in it has its file on disk by now.
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                # Level 1: the photos, PDFs and the custom-format dump are compressed already.
                with tarfile.open(fileobj=handle, mode="w:gz", compresslevel=1) as tar:
                    db_sha, db_size = _add_file(tar, db_file, f"{stem}/{DB_FILES[engine]}")
                    by_path = {row["path"]: row for row in facts["evidence"]}
                    files = []
                    for relative in media_files(root):
                        sha, size = _add_file(tar, root / relative, f"{stem}/{MEDIA}/{relative}")
                        record = by_path.get(relative)
                        files.append(
                            {"path": relative, "sha256": sha, "size": size, "evidence_id": record and record["id"]}
                        )
                    on_disk = {entry["path"]: entry for entry in files}
                    missing = [
                        {"path": row["path"], "evidence_id": row["id"]}
                        for row in facts["evidence"]
                        if row["path"] not in on_disk
                    ]
                    changed = [
                        {
                            "path": row["path"],
                            "evidence_id": row["id"],
                            "recorded_sha256": row["sha256"],
                            "sha256": on_disk[row["path"]]["sha256"],
                        }
                        for row in facts["evidence"]
                        if row["path"] in on_disk and on_disk[row["path"]]["sha256"] != row["sha256"]
                    ]
                    manifest = {
                        "format": FORMAT,
                        "name": stem,
                        "created_at": now.isoformat(),
                        "finished_at": timezone.localtime().isoformat(),
                        "engine": engine,
                        "database": {"file": DB_FILES[engine], "sha256": db_sha, "size": db_size},
                        "migrations": facts["migrations"],
                        "counts": named_counts(facts["tables"]),
                        "tables": facts["tables"],
                        "files": files,
                        "missing_files": missing,
                        "changed_files": changed,
                        "note": (
                            "Database snapshot first, files copied after it. Uploads committed after the "
                            "snapshot are not in this backup; their files may be, listed with evidence_id null."
                        ),
                    }
                    _add_bytes(tar, json.dumps(manifest, ensure_ascii=False, indent=1).encode(), f"{stem}/{MANIFEST}")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise

    problems = [f"evidence #{m['evidence_id']}: file {m['path']} is missing from MEDIA_ROOT" for m in missing]
    problems += [
        f"evidence #{c['evidence_id']}: file {c['path']} does not match its recorded SHA-256 "
        f"({c['sha256'][:12]}… on disk, {c['recorded_sha256'][:12]}… recorded)"
        for c in changed
    ]
    return BackupResult(path=final, manifest=manifest, seconds=time.monotonic() - started, problems=problems)


# ---------------------------------------------------------------- restore


def database_tables() -> list[str]:
    """The tables of the target database (empty when it does not exist yet, for SQLite)."""
    engine = vendor()
    if engine == "postgresql":
        try:
            with connection.cursor() as cursor:
                return list_tables(cursor, engine)
        except OperationalError as error:
            raise CommandError(
                f"Cannot connect to the database {connection.settings_dict['NAME']}: {error}".strip()
                + "\nCreate it first (CREATE DATABASE … OWNER the owner role), empty."
            ) from error
    path = sqlite_path()
    if not path.exists() or path.stat().st_size == 0:
        return []
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return list_tables(db.cursor(), engine)
    finally:
        db.close()


def sqlite_path() -> Path:
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        raise CommandError(f"Restore needs an SQLite database file, not {name}.")
    return Path(name).resolve()


def read_archive(archive: Path, into: Path) -> tuple[Path, dict]:
    """Unpack `archive` into the folder `into` (refusing links, devices and paths that leave it);
    return the backup's folder and its manifest."""
    if not archive.is_file():
        raise CommandError(f"No archive at {archive}.")
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            members = tar.getmembers()
            tops = {PurePosixPath(m.name).parts[0] for m in members if m.name}
            if len(tops) != 1:
                raise CommandError(f"{archive} is not a backup made by `manage.py backup` (one folder expected).")
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise CommandError(f"{archive} holds {member.name!r}, which is not a plain file.")
            tar.extractall(into, members=members, filter="data")
    except (tarfile.TarError, EOFError, OSError) as error:
        raise CommandError(f"{archive} cannot be read: {error}") from error
    folder = into / tops.pop()
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{archive} has no readable {MANIFEST}: {error}") from error
    if manifest.get("format") != FORMAT:
        raise CommandError(f"{archive} has format {manifest.get('format')!r}; this version reads {FORMAT}.")
    return folder, manifest


def check_archive(folder: Path, manifest: dict) -> list[str]:
    """The archive's own files against its manifest, before anything is restored."""
    problems = []
    database = manifest["database"]
    db_file = folder / database["file"]
    if not db_file.is_file() or sha256_of(db_file) != database["sha256"]:
        problems.append(f"{database['file']} is missing or damaged")
    listed = {entry["path"]: entry for entry in manifest["files"]}
    present = set(media_files(folder / MEDIA))
    for path in sorted(set(listed) - present):
        problems.append(f"media/{path} is listed in the manifest but not in the archive")
    for path in sorted(present - set(listed)):
        problems.append(f"media/{path} is in the archive but not in the manifest")
    for path in sorted(present & set(listed)):
        if sha256_of(folder / MEDIA / path) != listed[path]["sha256"]:
            problems.append(f"media/{path} is damaged (SHA-256 differs from the manifest)")
    return problems


def restore_database(engine: str, db_file: Path, *, force: bool) -> None:
    if engine == "postgresql":
        if force:
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA IF EXISTS public CASCADE")
                cursor.execute("CREATE SCHEMA public")
        connection.close()
        run_tool(
            [
                "pg_restore",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--single-transaction",
                "--no-password",
                f"--dbname={connection.settings_dict['NAME']}",
                str(db_file),
            ],
            "pg_restore",
        )
        return
    target = sqlite_path()
    connection.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.restoring")
    shutil.copyfile(db_file, staging)
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staging, target)


def restore_files(source: Path, root: Path, paths: list[str]) -> None:
    for relative in paths:
        destination = root / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(source / relative, destination)


def verify(manifest: dict, root: Path) -> tuple[dict, list[str], list[str]]:
    """The restored installation against the manifest: (facts, problems, notes)."""
    engine = manifest["engine"]
    connection.close()
    with connection.cursor() as cursor:
        facts = database_facts(cursor, engine)
    problems, notes = [], []

    expected, found = manifest["tables"], facts["tables"]
    for table in sorted(set(expected) | set(found)):
        if expected.get(table) != found.get(table):
            problems.append(f"table {table}: {found.get(table)} rows, the backup had {expected.get(table)}")
    if facts["migrations"] != manifest["migrations"]:
        problems.append("the applied migrations differ from the backup's")

    files = {entry["path"]: entry for entry in manifest["files"]}
    for path, entry in files.items():
        on_disk = root / path
        if not on_disk.is_file():
            problems.append(f"file {path} was not restored")
        elif on_disk.stat().st_size != entry["size"] or sha256_of(on_disk) != entry["sha256"]:
            problems.append(f"file {path} differs from the backup (size or SHA-256)")

    known_missing = {m["path"] for m in manifest.get("missing_files", [])}
    for row in facts["evidence"]:
        entry = files.get(row["path"])
        if entry is None:
            why = " (already missing when the backup was made)" if row["path"] in known_missing else ""
            problems.append(f"evidence #{row['id']}: file {row['path']} is missing{why}")
        elif entry["sha256"] != row["sha256"]:
            problems.append(f"evidence #{row['id']}: file {row['path']} does not match its recorded SHA-256")

    referenced = {row["path"] for row in facts["evidence"]}
    unreferenced = [path for path in files if path not in referenced]
    if unreferenced:
        notes.append(
            f"{len(unreferenced)} file(s) have no evidence record (uploaded while the backup ran, left by an "
            "interrupted upload, or kept from an earlier database); they were restored and are unused."
        )
    return facts, problems, notes


def pending_migrations() -> int:
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connection)
        return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    except Exception:  # the restored history may not fit this code; `migrate` will say why
        return 0


@dataclass
class RestoreResult:
    manifest: dict
    facts: dict
    problems: list[str]
    notes: list[str]
    files: int
    bytes: int
    seconds: float


def restore(archive: Path, *, force: bool = False) -> RestoreResult:
    """Bring `archive` back into this installation (DATABASE_URL and MEDIA_ROOT).

    Refuses, changing nothing, when the database has tables or MEDIA_ROOT has files (unless
    `force`), when the archive is damaged, or when it was made on another database engine."""
    started = time.monotonic()
    engine = vendor()
    root = media_root()
    archive = Path(archive).resolve()

    tables = database_tables()
    existing_files = media_files(root)
    if (tables or existing_files) and not force:
        where = []
        if tables:
            where.append(f"the database {connection.settings_dict['NAME']} has {len(tables)} table(s)")
        if existing_files:
            where.append(f"MEDIA_ROOT {root} has {len(existing_files)} file(s)")
        raise CommandError(
            "Refusing to restore into an installation that is not empty: "
            + " and ".join(where)
            + ". Nothing was changed. Restore into a new, empty database and an empty MEDIA_ROOT, or pass "
            "--force to replace everything in them (the database's public schema is dropped)."
        )

    root.parent.mkdir(parents=True, exist_ok=True)
    # Unpacked beside MEDIA_ROOT, so the files are moved into place, not copied twice.
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=root.parent) as work:
        folder, manifest = read_archive(archive, Path(work))
        if manifest["engine"] != engine:
            raise CommandError(
                f"The archive holds a {manifest['engine']} database; this installation uses {engine}. Nothing was "
                "changed."
            )
        damaged = check_archive(folder, manifest)
        if damaged:
            raise CommandError("The archive is damaged; nothing was changed:\n  " + "\n  ".join(damaged[:50]))
        restore_database(engine, folder / manifest["database"]["file"], force=force)
        root.mkdir(parents=True, exist_ok=True)
        paths = [entry["path"] for entry in manifest["files"]]
        restore_files(folder / MEDIA, root, paths)

    facts, problems, notes = verify(manifest, root)
    leftovers = sorted(set(existing_files) - set(paths))
    if leftovers:
        notes.append(f"{len(leftovers)} file(s) that were in MEDIA_ROOT before the restore were left in place.")
    pending = pending_migrations()
    if pending:
        notes.append(f"This code has {pending} migration(s) the backup lacks: run `manage.py migrate` next.")
    return RestoreResult(
        manifest=manifest,
        facts=facts,
        problems=problems,
        notes=notes,
        files=len(paths),
        bytes=sum(entry["size"] for entry in manifest["files"]),
        seconds=time.monotonic() - started,
    )
