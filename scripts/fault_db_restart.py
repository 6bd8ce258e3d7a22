"""Fault drill: restart PostgreSQL while the API is under load, and check nothing is half-written.

    .venv/bin/python scripts/fault_db_restart.py        (needs PostgreSQL you may restart; root)

It creates its own database, starts gunicorn on loopback, and for ~25 s sends a steady stream of
writes (comments on a case through the API, each one case event) and reads, from four threads.
Eight seconds in it restarts the PostgreSQL cluster. It then reports the status codes seen, checks
that every acknowledged write (201) is in the database exactly once and that no write is there
that was not acknowledged, and that requests succeed again after the restart without restarting
gunicorn. The output is recorded in docs/reliability.md.
"""

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "restoration_fault"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
ENV = {
    **os.environ,
    "DATABASE_URL": URL,
    "DEBUG": "0",
    "SECRET_KEY": "fault-drill-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "API_THROTTLE_TOKEN": "100000/min",
}
PY = str(ROOT / ".venv" / "bin" / "python")


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)  # noqa: S603


def setup() -> tuple[str, int]:
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DB}")
    sh(PY, "manage.py", "migrate", "-v0", cwd=ROOT, env=ENV)
    script = """
import django, os, json
django.setup()
from datetime import timedelta
from django.utils import timezone
from accounts.models import Role, User
from accounts.tokens import token_create
from mines.models import County, Company, Mine
from mines.validators import credit_code_check_character
from restoration.services.workflow import case_open
county = County.objects.create(code="140602", name="朔城区")
body = "91140602" + "0" * 8 + "1"
company = Company.objects.create(name="演练公司", credit_code=body + credit_code_check_character(body))
mine = Mine.objects.create(licence_no="C-DRILL-1", name="演练矿", company=company, county=county, mineral="coal",
    mining_method="underground", licensing_level="province", scale="large", design_capacity=150,
    production_status="producing", longitude=112.4, latitude=39.3)
officer = User.objects.create_user("drill", password="x-drill-password-1", role=Role.OFFICER, city_wide=True)
case = case_open(user=officer, kind="rectification", mine=mine)
token = token_create(user=officer, name="drill", expires_at=timezone.now() + timedelta(days=1))
print(json.dumps({"case": case.pk, "token": token[1] if isinstance(token, tuple) else token}))
"""
    out = sh(PY, "-c", script, cwd=ROOT, env={**ENV, "DJANGO_SETTINGS_MODULE": "config.settings"}).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["token"], data["case"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    token, case = setup()
    port = free_port()
    gunicorn = subprocess.Popen(  # noqa: S603
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        cwd=ROOT,
        env=ENV,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/accounts/login/", timeout=1)  # noqa: S310
            break
        except OSError:
            time.sleep(0.1)
    statuses = collections.Counter()
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()

    def request(method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310
            base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept-Language": "en"},
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError:
            return "no answer", b""

    def worker(n):
        i = 0
        while not stop.is_set():
            i += 1
            marker = f"drill-{n}-{i}"
            status, _body = request("POST", f"/api/v1/cases/{case}/comment/", {"text": marker})
            with lock:
                statuses[f"write {status}"] += 1
                if status == 201 or status == 200:
                    acknowledged.append(marker)
            status, _body = request("GET", "/api/v1/cases/")
            with lock:
                statuses[f"read {status}"] += 1
            time.sleep(0.02)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(8)
    cluster = sh("ls", "/etc/postgresql").stdout.split()[0]
    print(f"{time.monotonic() - started:5.1f} s  restarting PostgreSQL {cluster}", flush=True)
    sh("pg_ctlcluster", "--skip-systemctl-redirect", cluster, "main", "restart")
    print(f"{time.monotonic() - started:5.1f} s  PostgreSQL is back", flush=True)
    time.sleep(15)
    stop.set()
    for thread in threads:
        thread.join()
    after = request("GET", "/api/v1/cases/")[0]
    os.killpg(gunicorn.pid, signal.SIGTERM)
    gunicorn.wait()

    rows = sh(
        "psql",
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        DB,
        "-Atc",
        "SELECT reason FROM restoration_caseevent WHERE kind = 'comment'",
    ).stdout.split()
    stored = collections.Counter(rows)
    print("\nStatus codes over the run:")
    for key, count in sorted(statuses.items(), key=str):
        print(f"  {key:<22} {count}")
    twice = [m for m, c in stored.items() if c > 1]
    missing = [m for m in acknowledged if m not in stored]
    unacknowledged = [m for m in stored if m not in set(acknowledged)]
    print(f"\nWrites acknowledged: {len(acknowledged)}; comment events stored: {sum(stored.values())}")
    print(
        f"Acknowledged but missing: {len(missing)}; stored twice: {len(twice)}; stored but not acknowledged: "
        f"{len(unacknowledged)} {unacknowledged[:3]}"
    )
    print(f"A request after the restart, same gunicorn: {after}")
    ok = not missing and not twice and after == 200
    print("Result:", "nothing lost, nothing doubled, recovered by itself" if ok else "PROBLEM")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
