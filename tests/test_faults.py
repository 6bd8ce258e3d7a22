"""Faults: the database connection dropped, Redis gone, the disk full during an upload. Requests
fail with a clear message, nothing is half-written, and the system recovers by itself."""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from restoration.models import Evidence, FundAccount, FundEntry
from tests.factories import Closure, png_file

# ---------------------------------------------------------------- the database


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_answers_503_and_the_next_request_recovers(client_for, officer, mine_a):
    import psycopg
    from django.conf import settings

    from restoration.services.funds import fund_account_for, fund_record

    fund = fund_account_for(mine_a)
    fund_record(account_id=fund.pk, user=officer, kind="deposit", amount="100.00")
    client = client_for(officer)
    assert client.get(reverse("fund-list")).status_code == 200
    # What a database restart does to a running process: its connection is killed under it.
    pid = connection.connection.info.backend_pid
    params = settings.DATABASES["default"]
    with psycopg.connect(
        host=params["HOST"], port=params["PORT"] or 5432, user=params["USER"], dbname="postgres", autocommit=True
    ) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.2)
    response = client.post(
        reverse("fund-record", args=[fund.pk]), {"kind": "deposit", "amount": "50.00", "memo": "during the outage"}
    )
    assert response.status_code == 503
    assert "数据库" in response.content.decode()
    # The next request reconnects by itself; the failed write left nothing behind.
    assert client.get(reverse("fund-list")).status_code == 200
    fund = FundAccount.objects.get(pk=fund.pk)
    assert fund.balance == fund.ledger_sum()
    assert not FundEntry.objects.filter(memo="during the outage").exists()
    assert fund.balance == 100


# ---------------------------------------------------------------- Redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, which it may stop and start."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("needs redis-server (Debian package redis-server)")
    port = _free_port()

    def start():
        process = subprocess.Popen(  # noqa: S603
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(50):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return process
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    state = {"process": start(), "start": start, "port": port}
    yield state
    state["process"].kill()
    state["process"].wait()


@pytest.mark.redis
def test_pages_logins_and_the_api_keep_working_while_redis_is_gone(client, settings, own_redis, officer):
    from django.core.cache import caches

    from tests.conftest import PASSWORD

    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{own_redis['port']}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    caches["default"].set("probe", 1)
    assert caches["default"].get("probe") == 1
    own_redis["process"].kill()
    own_redis["process"].wait()
    started = time.monotonic()
    assert client.get(reverse("disclosure")).status_code == 200
    response = client.post(reverse("login"), {"username": officer.username, "password": PASSWORD})
    assert response.status_code == 302, "a login does not depend on the cache"
    assert client.get(reverse("mine-list")).status_code == 200
    assert client.get("/api/v1/mines/").status_code == 200
    assert time.monotonic() - started < 10, "a missing Redis costs at most a short timeout"
    # Redis comes back (empty: it keeps nothing on disk) and the cache works again by itself.
    own_redis["process"] = own_redis["start"]()
    caches["default"].set("probe", 2)
    assert caches["default"].get("probe") == 2


# ---------------------------------------------------------------- the disk


@pytest.fixture
def full_disk(settings, tmp_path):
    """MEDIA_ROOT on a 256 KB tmpfs, so an upload fills the disk for real."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root (CI runs as root)")
    mount = tmp_path / "small"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True)  # noqa: S603,S607
    if result.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {result.stderr.decode().strip()}")
    settings.MEDIA_ROOT = mount
    yield mount
    subprocess.run(["umount", str(mount)], check=False)  # noqa: S603,S607


def test_a_full_disk_during_an_upload_refuses_it_and_leaves_nothing_half_written(
    client_for, company_user, mine_a, officer, supervisor, contractor_org, full_disk
):
    case = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    ).to("draft")
    client = client_for(company_user)
    big = SimpleUploadedFile("无人机影像.png", png_file().read())  # small first: it fits
    assert client.post(reverse("evidence-upload", args=[case.pk]), {"kind": "photo", "files": [big]}).status_code == 302
    before = sorted(p.name for p in Path(full_disk).rglob("*") if p.is_file())
    huge = SimpleUploadedFile("测量报告.pdf", b"%PDF-1.4\n" + b"0" * (600 * 1024) + b"\n%%EOF\n")
    response = client.post(reverse("evidence-upload", args=[case.pk]), {"kind": "survey", "files": [huge]})
    assert response.status_code == 503
    assert "测量报告.pdf" in response.content.decode()
    assert Evidence.objects.count() == 1, "no row for the file that did not fit"
    assert sorted(p.name for p in Path(full_disk).rglob("*") if p.is_file()) == before, "no partial file left"
    # The disk has room again for something that fits: uploads work without any repair.
    again = SimpleUploadedFile("照片2.png", png_file(color=(1, 2, 3)).read())
    assert (
        client.post(reverse("evidence-upload", args=[case.pk]), {"kind": "photo", "files": [again]}).status_code == 302
    )
