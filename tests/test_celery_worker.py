"""Against a real Redis and a real Celery worker process: every due reminder is sent exactly once,
with two sweeps at once, after the worker is killed mid-sweep, after Redis restarts mid-run, and
the daily digest goes out once per user however many senders run.

Each test starts its own redis-server on a free port (so it can be killed and restarted without
touching the shared Redis) and its own worker (prefork, concurrency 2) on the pytest test
database; data is committed (transaction=True) so the worker sees it. Outcomes are awaited by
polling the database and the worker log, never by sleeping alone.
"""

import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from celery import Celery
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from notifications.models import Digest, DigestStatus, Notice, Reminder, ReminderKind, ReminderPolicy
from restoration.choices import CaseKind, CaseState
from restoration.models import Case
from tests.conftest import REQUIRE_SERVICES, make_company, make_mine, make_user
from tests.factories import Closure, inspect

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.celery_worker]

PROJECT = Path(__file__).resolve().parent.parent
VISIBILITY_TIMEOUT = 5  # seconds; CELERY_VISIBILITY_TIMEOUT for the worker
LOG_TIME = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}): ")


# ---------------------------------------------------------------- polling


def wait_until(predicate, *, timeout=30.0, interval=0.05, what="the condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def wait_for_count(count, expected, *, timeout=40.0, stable=2.0, what="rows"):
    """Poll until count() == expected and stays there for `stable` seconds; more than expected fails at once."""
    deadline = time.monotonic() + timeout
    reached_at = None
    while True:
        value = count()
        assert value <= expected, f"{what}: {value} > {expected} expected"
        now = time.monotonic()
        if value == expected:
            reached_at = reached_at or now
            if now - reached_at >= stable:
                return value
        else:
            reached_at = None
        if now > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {what} = {value}, expected {expected}")
        time.sleep(0.1)


# ---------------------------------------------------------------- redis-server of our own


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A redis-server subprocess with nothing on disk: killed and restarted, it comes back empty."""

    def __init__(self, port: int, directory: Path):
        self.port = port
        self.dir = directory
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None
        self.starts = 0

    def start(self):
        import redis

        self.starts += 1
        log = open(self.dir / f"redis-{self.starts}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.process.log = log
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)

        def answers():
            assert self.process.poll() is None, f"redis-server exited: {self.log_text()}"
            try:
                return client.ping()
            except redis.ConnectionError:
                return False

        wait_until(answers, timeout=10, what=f"redis-server on port {self.port} to answer PING")
        client.close()

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=1, decode_responses=True)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        if self.process:
            self.process.log.close()

    def log_text(self) -> str:
        return (self.dir / f"redis-{self.starts}.log").read_text(errors="replace")


@pytest.fixture
def broker(tmp_path):
    if not shutil.which("redis-server"):
        reason = "needs the redis-server binary (Debian package redis-server)"
        if REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
        pytest.skip(reason)
    directory = tmp_path / "redis"
    directory.mkdir()
    server = RedisServer(free_port(), directory)
    server.start()
    yield server
    server.kill()


@pytest.fixture
def sender(broker):
    """Sends tasks like beat would. Not config.celery_app: the test settings make that one eager."""
    apps = []

    def make():
        app = Celery("tests", broker=broker.url)
        app.conf.update(
            task_serializer="json",
            accept_content=["json"],
            broker_connection_retry_on_startup=True,
        )
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


# ---------------------------------------------------------------- the worker process


class Worker:
    def __init__(self, *, broker, database_url, tmp, mail_dir, env, index):
        self.name = f"test-{uuid.uuid4().hex[:10]}"
        self.log_path = tmp / f"worker-{index}.log"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings_test",
            "PYTHONPATH": str(PROJECT),
            "PYTHONUNBUFFERED": "1",
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "REDIS_URL": broker.url,
            "DATABASE_URL": database_url,
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(mail_dir),
            **{key: str(value) for key, value in env.items()},
        }
        self.process = None

    def start(self):
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=2",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"{self.name}@%h",
            ],
            cwd=PROJECT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def answers_ping(self, app) -> bool:
        assert self.process.poll() is None, f"the worker exited with {self.process.returncode}"
        try:
            replies = app.control.ping(timeout=0.5)
        except Exception:  # the broker may be coming back
            return False
        return any(name.startswith(f"{self.name}@") for reply in replies for name in reply)

    def wait_ready(self, app, timeout=30):
        wait_until(
            lambda: "ready." in self.log_text() and self.answers_ping(app),
            timeout=timeout,
            interval=0.2,
            what=f"worker {self.name} to be ready",
        )
        return self

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def task_lines(self, task_id: str, word: str) -> list[str]:
        return [line for line in self.log_text().splitlines() if f"[{task_id}] {word}" in line]

    def wait_task(self, task_id: str, timeout=40) -> str:
        """Wait until the task succeeded; a failure in the log fails the test at once."""

        def done():
            failed = self.task_lines(task_id, "raised") + self.task_lines(task_id, "failed")
            assert not failed, "\n".join(failed)
            lines = self.task_lines(task_id, "succeeded")
            return lines[-1] if lines else None

        return wait_until(done, timeout=timeout, interval=0.1, what=f"task {task_id} to succeed")

    def _signal_group(self, sig):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self):
        """SIGKILL the main process and its pool children at once: nothing acks, nothing cleans up."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(10)

    def stop(self):
        if self.process is None:
            return
        if self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(8)
        self._signal_group(signal.SIGKILL)  # the pool children too, whatever the main process did
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(10)
        self.log.close()


def database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def mail_dir(tmp_path):
    path = tmp_path / "mail"
    path.mkdir()
    return path


@pytest.fixture
def workers(transactional_db, broker, sender, tmp_path, mail_dir):
    """`workers(**env)` starts a worker (and waits until it answers a ping); all are stopped at teardown."""
    started = []

    def start(wait=True, **env):
        worker = Worker(
            broker=broker,
            database_url=database_url(),
            tmp=tmp_path,
            mail_dir=mail_dir,
            env=env,
            index=len(started) + 1,
        ).start()
        started.append(worker)
        if wait:
            worker.wait_ready(sender())
        return worker

    yield start
    for worker in started:
        worker.stop()
    for worker in started:  # shown by pytest only when the test failed
        print(f"\n======== log of worker {worker.name} ({worker.log_path}) ========\n{worker.log_text()}")


# ---------------------------------------------------------------- data


@pytest.fixture
def ordered_7_days(mine_a, company_user, officer, supervisor, contractor_org):
    """One closure case driven through the real services to a rectification order due in 7 days."""
    closure = Closure(
        mine=mine_a, company_user=company_user, officer=officer, supervisor=supervisor, contractor_org=contractor_org
    )
    closure.to(CaseState.UNDER_REVIEW)
    inspect(closure.case, officer, passed=False, deadline_days=7)
    closure.reload()
    case = closure.to(CaseState.RECTIFICATION_ORDERED)
    assert case.deadline == timezone.localdate() + timedelta(days=7)
    assert case.assigned_officer == officer
    return case


def more_due_cases(template: Case, n: int, *, owners=None, deadline=None) -> list[Case]:
    """n more cases under a running rectification order, like `template`, made cheaply by bulk_create.

    A fixture building data, not the product changing state: the product reaches this state through
    the services, as `template` did. `owners` is a list of (mine, officer) used in turn.
    """
    owners = owners or [(template.mine, template.assigned_officer)]
    tag = uuid.uuid4().hex[:6]
    cases = [
        Case(
            number=f"ZG-T{tag}-{i:05d}",
            kind=CaseKind.RECTIFICATION,
            state=CaseState.RECTIFICATION_ORDERED,
            title=f"测试整改案件 {i}",
            mine=mine,
            county_id=mine.county_id,
            company_id=mine.company_id,
            assigned_officer=officer,
            deadline=deadline or template.deadline,
            deadline_version=template.deadline_version,
            created_by=template.created_by,
        )
        for i, (mine, officer) in zip(range(n), itertools.cycle(owners), strict=False)
    ]
    return Case.objects.bulk_create(cases)


def expected_claims(cases) -> set[tuple[int, int]]:
    """(case, recipient) for every reminder due: the company's active users and the officer in charge."""
    company_users = {}
    for pk, company_id in User.objects.filter(role=Role.COMPANY, is_active=True).values_list("pk", "company_id"):
        company_users.setdefault(company_id, set()).add(pk)
    claims = set()
    for case in cases:
        for user_id in company_users.get(case.company_id, set()) | {case.assigned_officer_id}:
            claims.add((case.pk, user_id))
    return claims


def assert_every_reminder_once(expected: set[tuple[int, int]]):
    n = len(expected)
    assert Reminder.objects.count() == n
    assert Notice.objects.count() == n
    assert set(Reminder.objects.values_list("case_id", "recipient_id")) == expected
    twice = (
        Reminder.objects.values("case", "deadline_version", "kind", "offset_days", "recipient")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not twice.exists(), list(twice)
    notices_twice = Notice.objects.values("case", "recipient", "kind").annotate(n=Count("id")).filter(n__gt=1)
    assert not notices_twice.exists(), list(notices_twice)
    # Every notice has exactly one reminder and every reminder exactly one notice.
    assert not Notice.objects.filter(reminder__isnull=True).exists()
    assert Notice.objects.values("reminder").distinct().count() == n
    assert not Reminder.objects.filter(notice__isnull=True).exists()


def parse_success(line: str) -> tuple[float, float, dict]:
    """(start, end, return value) of a task from its 'succeeded in Xs: {...}' log line."""
    import ast

    end = datetime.strptime(LOG_TIME.match(line).group(1), "%Y-%m-%d %H:%M:%S,%f").timestamp()
    match = re.search(r"succeeded in ([0-9.]+)s: (\{.*\})", line)
    runtime = float(match.group(1))
    return end - runtime, end, ast.literal_eval(match.group(2))


def sweep_tokens() -> dict[str, int]:
    return {str(token): n for token, n in Reminder.objects.values_list("sweep").annotate(n=Count("id"))}


# ---------------------------------------------------------------- the tests


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_send_every_reminder_once(ordered_7_days, workers, sender):
    cases = [ordered_7_days, *more_due_cases(ordered_7_days, 299)]
    expected = expected_claims(cases)
    assert len(expected) == 600  # 300 cases × (company user + officer)
    worker = workers(REMINDER_SWEEP_BATCH_SIZE=20, REMINDER_SWEEP_BATCH_PAUSE_MS=50)

    app = sender()
    first, second = app.send_task("notifications.sweep"), app.send_task("notifications.sweep")

    wait_for_count(Reminder.objects.count, len(expected), what="reminders")
    a, b = parse_success(worker.wait_task(first.id)), parse_success(worker.wait_task(second.id))
    # They overlapped: each started before the other ended (the two pool processes ran them at once).
    assert a[0] < b[1] and b[0] < a[1], f"the sweeps did not overlap: {a[:2]} {b[:2]}"
    overlap = min(a[1], b[1]) - max(a[0], b[0])
    assert overlap > 0.5 * min(a[1] - a[0], b[1] - b[0]), f"overlap of only {overlap:.2f} s"
    # Between them they claimed each reminder once, and the claimed rows carry their sweep tokens.
    assert a[2]["claimed"] + b[2]["claimed"] == len(expected)
    tokens = sweep_tokens()
    assert 1 <= len(tokens) <= 2 and sum(tokens.values()) == len(expected)
    print(f"overlap {overlap:.2f} s; claimed {a[2]['claimed']} + {b[2]['claimed']}; tokens {tokens}")
    assert_every_reminder_once(expected)


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_sweep_then_restarted_sends_every_reminder_once(ordered_7_days, workers, sender, broker):
    cases = [ordered_7_days, *more_due_cases(ordered_7_days, 299)]
    expected = expected_claims(cases)
    slow = {"REMINDER_SWEEP_BATCH_SIZE": 10, "REMINDER_SWEEP_BATCH_PAUSE_MS": 100}
    worker = workers(**slow)

    task = sender().send_task("notifications.sweep")
    wait_until(lambda: Reminder.objects.count() >= 60, timeout=30, what="the sweep to claim its first batches")
    worker.kill()

    partial = Reminder.objects.count()
    time.sleep(0.5)
    assert Reminder.objects.count() == partial, "nothing is claimed once the worker is dead"
    assert 60 <= partial < len(expected), f"the kill did not land mid-sweep: {partial} of {len(expected)}"
    assert Notice.objects.count() == partial, "a claim and its notice commit together"
    assert not worker.task_lines(task.id, "succeeded")
    # acks_late: the message is still unacknowledged in Redis, and comes back after the visibility timeout.
    redis = broker.client()
    unacked = redis.hgetall("unacked")
    assert len(unacked) == 1 and task.id in next(iter(unacked.values()))
    (_tag, delivered_at), *_ = redis.zrange("unacked_index", 0, -1, withscores=True)
    # A new worker restores messages older than the visibility timeout when it starts polling.
    wait_until(
        lambda: time.time() > delivered_at + VISIBILITY_TIMEOUT + 0.5,
        timeout=VISIBILITY_TIMEOUT + 2,
        what="the visibility timeout to pass",
    )
    restarted = workers(**slow)

    wait_for_count(Reminder.objects.count, len(expected), what="reminders")
    restarted.wait_task(task.id)
    assert restarted.task_lines(task.id, "received"), "the killed sweep was redelivered to the new worker"
    # The next tick of beat sends one more sweep: it finds nothing left to claim.
    again = sender().send_task("notifications.sweep")
    assert parse_success(restarted.wait_task(again.id))[2]["claimed"] == 0
    assert_every_reminder_once(expected)
    print(f"killed at {partial} of {len(expected)}; the redelivered sweep claimed the rest")


@pytest.mark.django_db(transaction=True)
def test_redis_restarted_during_a_run_the_next_sweep_catches_up(ordered_7_days, workers, sender, broker):
    cases = [ordered_7_days, *more_due_cases(ordered_7_days, 199)]
    worker = workers(REMINDER_SWEEP_BATCH_SIZE=10, REMINDER_SWEEP_BATCH_PAUSE_MS=100)

    running = sender().send_task("notifications.sweep")
    wait_until(lambda: Reminder.objects.count() >= 40, timeout=30, what="the sweep to claim its first batches")
    broker.kill()
    killed_at = Reminder.objects.count()
    # While Redis is down more orders are made, due 20 days ahead: the running sweep has passed the
    # 30-day window already, so only the next sweep can remind of them.
    late = more_due_cases(ordered_7_days, 20, deadline=timezone.localdate() + timedelta(days=20))
    time.sleep(1)  # Redis stays down for a moment
    broker.start()  # the same port, empty: nothing was on disk
    assert broker.client().dbsize() == 0

    # The sweep that was running finishes its work in the database, broker or not.
    worker.wait_task(running.id)
    first = sweep_tokens()
    assert killed_at < len(expected_claims(cases)), "Redis went down mid-sweep"
    assert "Connection to broker lost" in worker.log_text()
    # The worker should reconnect by itself. With celery 5.7 / kombu 5.7 it cannot when the outage
    # hits while it holds an unacknowledged (acks_late) message: closing the dead channel to restore
    # that message raises AttributeError ("Unrecoverable error") and the worker exits with status 1.
    # Then it is restarted, as its process supervisor would.
    app = sender()  # a new connection to the new server
    wait_until(
        lambda: worker.process.poll() is not None or worker.answers_ping(app),
        timeout=40,
        interval=0.2,
        what="the worker to reconnect (or exit)",
    )
    if worker.process.poll() is not None:
        print(f"the worker exited ({worker.process.returncode}) after the broker outage; restarted")
        worker = workers(REMINDER_SWEEP_BATCH_SIZE=10, REMINDER_SWEEP_BATCH_PAUSE_MS=100)
    else:
        print("the worker reconnected by itself")

    # Beat's next tick.
    catch_up = app.send_task("notifications.sweep")
    expected = expected_claims([*cases, *late])
    wait_for_count(Reminder.objects.count, len(expected), what="reminders")
    worker.wait_task(catch_up.id)
    assert_every_reminder_once(expected)
    thirty = Reminder.objects.filter(kind=ReminderKind.BEFORE, offset_days=30)
    assert thirty.count() == 2 * len(late)
    assert not thirty.filter(sweep__in=list(first)).exists(), "the 30-day reminders were the next sweep's"

    # An outage while the worker is idle (nothing unacknowledged): it reconnects by itself.
    broker.kill()
    time.sleep(1)
    broker.start()
    app = sender()
    wait_until(lambda: worker.answers_ping(app), timeout=40, interval=0.2, what="the idle worker to reconnect")
    again = app.send_task("notifications.sweep")
    assert parse_success(worker.wait_task(again.id))[2]["claimed"] == 0
    assert_every_reminder_once(expected)


@pytest.mark.django_db(transaction=True)
def test_digests_are_mailed_once_per_user_by_the_worker(
    ordered_7_days, company_user, officer, counties, workers, sender, mail_dir
):
    policy = ReminderPolicy.current()
    policy.digest_hour = 0
    policy.save()
    # Four companies with a user each and two officers: six people are reminded.
    shuocheng = counties["朔城区"]
    officer2 = make_user("officer2", Role.OFFICER, city_wide=True)
    owners = []
    for i in range(3):
        company = make_company()
        make_user(f"company_{i}", Role.COMPANY, company=company)
        owners.append((make_mine(company, shuocheng), officer if i % 2 else officer2))
    owners.append((ordered_7_days.mine, officer))
    cases = [ordered_7_days, *more_due_cases(ordered_7_days, 39, owners=owners)]
    expected = expected_claims(cases)
    recipients = {user_id for _case, user_id in expected}
    assert len(recipients) == 6
    worker = workers(REMINDER_SWEEP_BATCH_SIZE=20)
    app = sender()

    sweep = app.send_task("notifications.sweep")
    wait_for_count(Reminder.objects.count, len(expected), what="reminders")
    worker.wait_task(sweep.id)
    assert_every_reminder_once(expected)
    digests = Digest.objects.all()
    assert set(digests.values_list("recipient_id", flat=True)) == recipients
    assert digests.count() == len(recipients) and set(digests.values_list("status", flat=True)) == {"pending"}
    # The digest hour is a time of day: after 0:00 today, the next digest is tomorrow at 0:00.
    assert set(digests.values_list("next_attempt_at", flat=True)) == {
        timezone.make_aware(datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time()))
    }
    early = app.send_task("notifications.send_digests")
    assert parse_success(worker.wait_task(early.id))[2]["sent"] == 0
    assert not list(mail_dir.iterdir()), "nothing is mailed before the digest hour"

    # The digest hour comes (the worker runs on the real clock, so the schedule moves instead).
    Digest.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    one, two = app.send_task("notifications.send_digests"), app.send_task("notifications.send_digests")
    results = [parse_success(worker.wait_task(t.id))[2] for t in (one, two)]
    assert sum(r["sent"] for r in results) == len(recipients)
    assert not any(r["retried"] or r["failed"] for r in results)

    assert set(Digest.objects.values_list("status", flat=True)) == {DigestStatus.SENT}
    assert not Notice.objects.filter(digest__isnull=True).exists()
    mails = "".join(path.read_text(errors="replace") for path in mail_dir.iterdir())
    assert mails.count("Message-ID: <digest-") == len(recipients)
    for digest in Digest.objects.select_related("recipient"):
        assert mails.count(digest.message_id) == 1
        assert len(re.findall(rf"^To: {re.escape(digest.recipient.email)}$", mails, re.M)) == 1
        assert digest.notices.count() == Notice.objects.filter(recipient=digest.recipient).count()
    # Sending again sends nothing.
    again = app.send_task("notifications.send_digests")
    assert parse_success(worker.wait_task(again.id))[2]["sent"] == 0
    assert mails == "".join(path.read_text(errors="replace") for path in mail_dir.iterdir())
