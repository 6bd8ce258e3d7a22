"""Benchmark: the REST API under concurrent load, against the database floor, the framework floor and a peer.

    make bench                                   # 10,000 cases, then 1,000,000 cases, and the comparison
    make bench BENCH_ARGS="--cases 10000"        # one size
    .venv/bin/python bench/api.py --cases 1000000 --rounds 5

For each size the script drops and creates a PostgreSQL database (BENCH_DATABASE_URL, default
postgres://postgres@127.0.0.1:5432/restoration_bench_api), fills it by SQL (generate_series) with
the cases, their events, rectification orders and delegations, and the mines and historical sites
(one tenth of the cases, together: 100,000 for a million cases), then starts gunicorn on a loopback
port (the project's settings, DEBUG off, persistent connections, `bench/settings.py` for the
bench-only URLs) and loads each endpoint with wrk, as a city-wide officer with a personal API token
(the token throttle raised out of reach), in rounds: every endpoint in turn for a few seconds, three
times, each figure the median of its rounds (a burst of other work on the machine then hits every
endpoint alike). Measured:

- ours: /api/v1/cases/ (first page), the same filtered by state and county, a page deep in the
  keyset (a cursor 90 % of the way down), a case's detail (20 cases in turn), /api/v1/mines/;
- the peer (bench/peer.py): the same case and mine lists as a plain DRF ModelViewSet with
  ModelSerializers, select_related and DRF's CursorPagination;
- the framework floor: a bare Django view answering a fixed small JSON;
- the database floor: the same page's rows by raw SQL (bench/floor_sql.py), prepared, in a
  bench-only view (the floor the ratios use: it pays the same HTTP and middleware cost as ours) and
  from a plain psycopg client with as many threads as gunicorn has workers (for reference).

It also prints PostgreSQL's planning and execution time of each page's SQL (EXPLAIN ANALYZE).

It prints p50, p99 and requests/s of each, the ratios (ours ÷ database floor, ours ÷ peer) and,
when two sizes ran, how the ratios moved, then the goals, met or not.
"""

import argparse
import base64
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import floor_sql  # noqa: E402 - after the path is set

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/restoration_bench_api"
SECRET = "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"  # noqa: S105 - bench only
FILTER_STATE = "rectification_ordered"
GOAL_FLOOR_RATIO = 3.0
GOAL_PEER_RATIO = 3.0
GOAL_P99_MS = 100.0
GOAL_SCALE_DRIFT = 1.5
GOAL_P99_AT = 1_000_000

# ---------------------------------------------------------------- filling the database


def _django(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", SECRET)
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def recreate_database(url: str):
    import psycopg

    base = url.partition("?")[0]  # the URL may carry connection options (?options=-c%20...)
    name = base.rsplit("/", 1)[1]
    admin = base.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


OFFICERS = 50
CONTRACTORS = 100

INVENTORY_SQL = [
    # The six counties of Shuozhou.
    """INSERT INTO mines_county (code, name, name_en) VALUES
       ('140602', '朔城区', 'Shuocheng District'), ('140603', '平鲁区', 'Pinglu District'),
       ('140621', '山阴县', 'Shanyin County'), ('140622', '应县', 'Ying County'),
       ('140623', '右玉县', 'Youyu County'), ('140681', '怀仁市', 'Huairen City')""",
    # Credit codes: 18 characters matching the CHECK constraint, unique.
    """INSERT INTO mines_company (name, credit_code, legal_representative, contact_person, contact_phone,
                                 contact_email, address, is_demo, created_at, updated_at)
       SELECT '朔州市第' || g || '矿业有限公司', '91' || lpad(g::text, 16, '0'), '张三', '李四', '0349-1234567',
              '', '山西省朔州市', false, now(), now()
       FROM generate_series(1, %(companies)s) g""",
    """INSERT INTO mines_contractor (name, credit_code, qualification, contact_person, contact_phone, is_demo)
       SELECT '朔州第' || g || '生态修复工程有限公司', '12' || lpad(g::text, 16, '0'), '地质灾害治理甲级',
              '王五', '', false
       FROM generate_series(1, %(contractors)s) g""",
    f"""INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                  is_active, date_joined, role, company_id, contractor_id, city_wide, phone)
        SELECT '!', false, 'officer' || g, (ARRAY['伟', '芳', '静', '强', '磊'])[1 + mod(g, 5)],
               (ARRAY['王', '李', '张', '刘', '陈'])[1 + mod(g / 5, 5)], '', false, true, now(), 'officer',
               NULL, NULL, true, ''
        FROM generate_series(1, {OFFICERS}) g""",  # noqa: S608 - a constant
    """INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff,
                                  is_active, date_joined, role, company_id, contractor_id, city_wide, phone)
       VALUES ('!', false, 'bench_api', '测', '试', '', false, true, now(), 'officer', NULL, NULL, true, '')""",
    # Coordinates inside Shuozhou; production status never "under construction" (minimum-scale CHECK).
    """INSERT INTO mines_mine (licence_no, name, company_id, county_id, mineral, mining_method, licensing_level, scale,
                              design_capacity, production_status, licence_valid_from, licence_valid_to,
                              longitude, latitude, area_km2, planning_area_id, land_reclamation_plan_filed,
                              is_demo, created_at, updated_at)
       SELECT 'C' || c.code || lpad(g::text, 10, '0'), '朔州第' || g || '号矿',
              (SELECT min(id) FROM mines_company) + mod(g, %(companies)s), c.id,
              (ARRAY['coal', 'coal', 'coal', 'iron', 'cement_limestone', 'granite', 'kaolin', 'construction_sand'])
                  [1 + mod(g, 8)],
              (ARRAY['open_pit', 'underground'])[1 + mod(g, 2)],
              (ARRAY['ministry', 'province', 'city', 'county'])[1 + mod(g, 4)],
              (ARRAY['large', 'medium', 'small'])[1 + mod(g, 3)],
              150 + mod(g, 500), (ARRAY['producing', 'suspended', 'closing', 'closed'])[1 + mod(g, 4)],
              DATE '2015-01-01' + mod(g, 1000), DATE '2025-01-01' + mod(g, 1000),
              111.9 + mod(g, 1600) / 1000.0, 39.1 + mod(g, 1100) / 1000.0, mod(g, 100) / 10.0, NULL,
              mod(g, 3) <> 0, false, now() - g * interval '1 minute', now()
       FROM generate_series(1, %(mines)s) g
       JOIN (SELECT id, code, row_number() OVER (ORDER BY id) - 1 AS k FROM mines_county) c ON c.k = mod(g, 6)""",
    """INSERT INTO mines_historicalsite (code, name, county_id, former_mineral, longitude, latitude, boundary,
                                        damaged_area_ha, damage_types, treatment_mode, status, area_restored_ha,
                                        key_project_id, zone_id, is_demo, created_at, updated_at)
       SELECT 'LS' || lpad(g::text, 10, '0'), '朔州历史遗留矿山' || g, c.id,
              (ARRAY['coal', 'iron', 'construction_sand'])[1 + mod(g, 3)],
              111.9 + mod(g, 1600) / 1000.0, 39.1 + mod(g, 1100) / 1000.0, NULL, 1 + mod(g, 50),
              '["subsidence", "landscape"]'::jsonb, (ARRAY['government_led', 'social_capital'])[1 + mod(g, 2)],
              (ARRAY['identified', 'surveyed', 'designed', 'under_treatment'])[1 + mod(g, 4)], 0,
              NULL, NULL, false, now() - g * interval '1 minute', now()
       FROM generate_series(1, %(sites)s) g
       JOIN (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM mines_county) c ON c.k = mod(g, 6)""",
    # One in ten mines on the green-mine list (at most one current listing per mine).
    """INSERT INTO mines_greenminelisting (mine_id, level, listed_on, last_verified_on, status, removed_on)
       SELECT id, 'provincial', DATE '2022-06-01', NULL, 'listed', NULL FROM mines_mine WHERE mod(id, 10) = 0""",
]

# Every constraint holds: one subject per case, the subject matching the kind, a deadline in the
# ordered states, at most one open closure per mine and one open treatment per site (rounds
# beyond the number of mines or sites are finished cases), unique numbers.
CASES_SQL = """
INSERT INTO restoration_case (number, kind, state, title, description, deadline, deadline_version, return_state,
                              created_at, updated_at, closed_at, assigned_officer_id, company_id, contractor_id,
                              county_id, created_by_id, mine_id, proposed_by_id, site_id, period_id)
SELECT x.prefix || '-' || to_char(x.created_at, 'YYYY') || '-' || lpad(x.g::text, 7, '0'),
       x.kind, x.state, coalesce(m.name, s.name) || ' ' || x.label, '',
       CASE WHEN x.state IN ('scheduled', 'rectification_ordered') THEN current_date + mod(x.g, 360) - 60
            WHEN x.state = 'overdue' THEN current_date - 1 - mod(x.g, 90) END,
       CASE WHEN x.state IN ('scheduled', 'rectification_ordered', 'overdue') THEN 1 ELSE 0 END,
       '', x.created_at, x.created_at + interval '2 hours',
       CASE WHEN x.state IN ('closed', 'accepted', 'withdrawn', 'removed') THEN x.created_at + interval '30 days' END,
       CASE WHEN mod(x.g, 7) = 0 THEN NULL ELSE %(officer)s + mod(x.g, %(officers)s) END,
       m.company_id,
       CASE WHEN x.state IN ('delegation_proposed', 'delegated_treatment', 'under_treatment', 'awaiting_acceptance')
            THEN %(contractor)s + mod(x.g, %(contractors)s) END,
       coalesce(m.county_id, s.county_id),
       %(officer)s + mod(x.g * 7, %(officers)s),
       m.id,
       CASE WHEN x.state IN ('awaiting_approval', 'rectification_proposed', 'delegation_proposed', 'removal_proposed')
            THEN %(officer)s + mod(x.g + 1, %(officers)s) END,
       s.id, NULL
FROM (
    SELECT k.g, k.kind, k.prefix, k.label, now() - (%(cases)s - k.g) * interval '15 seconds' AS created_at,
           CASE k.kind
             WHEN 'historical_site' THEN CASE WHEN k.r < %(sites)s
                  THEN (ARRAY['identified', 'surveyed', 'designed', 'under_treatment', 'awaiting_acceptance'])
                       [1 + mod(k.r, 5)]
                  ELSE (ARRAY['accepted', 'closed'])[1 + mod(k.r, 2)] END
             WHEN 'closure' THEN CASE WHEN k.r < %(mines)s
                  THEN (ARRAY['draft', 'submitted', 'under_review', 'awaiting_approval'])[1 + mod(k.r, 4)]
                  ELSE (ARRAY['closed', 'withdrawn', 'accepted'])[1 + mod(k.r, 3)] END
             WHEN 'rectification' THEN (ARRAY['under_review', 'rectification_proposed', 'rectification_ordered',
                  'overdue', 'delegation_proposed', 'delegated_treatment', 'closed', 'closed'])[1 + mod(k.r, 8)]
             WHEN 'annual_inspection' THEN (ARRAY['scheduled', 'scheduled', 'under_review', 'rectification_ordered',
                  'closed', 'closed'])[1 + mod(k.r, 6)]
             ELSE (ARRAY['scheduled', 'under_review', 'rectification_ordered', 'removal_proposed', 'closed'])
                  [1 + mod(k.r, 5)]
           END AS state
    FROM (
        SELECT g, g / 10 AS r,
               (ARRAY['historical_site', 'closure', 'rectification', 'rectification', 'annual_inspection',
                      'annual_inspection', 'annual_inspection', 'annual_inspection', 'green_verification',
                      'green_verification'])[1 + mod(g, 10)] AS kind,
               (ARRAY['LS', 'BK', 'ZG', 'ZG', 'NJ', 'NJ', 'NJ', 'NJ', 'LK', 'LK'])[1 + mod(g, 10)] AS prefix,
               (ARRAY['历史遗留矿山治理', '闭坑验收', '整改', '整改', '年度治理检查', '年度治理检查', '年度治理检查',
                      '年度治理检查', '绿色矿山核查', '绿色矿山核查'])[1 + mod(g, 10)] AS label
        FROM generate_series(1, %(cases)s) g
    ) k
) x
LEFT JOIN mines_mine m ON x.kind <> 'historical_site' AND m.id = %(mine)s + mod(x.g / 10, %(mines)s)
LEFT JOIN mines_historicalsite s ON x.kind = 'historical_site' AND s.id = %(site)s + mod(x.g / 10, %(sites)s)
"""

# Two or three timeline events per case (the append-only trigger only refuses UPDATE and DELETE).
EVENTS_SQL = """
INSERT INTO restoration_caseevent (kind, action, from_state, to_state, reason, data, created_at, actor_id, case_id)
SELECT (ARRAY['created', 'transition', 'comment'])[e],
       CASE WHEN e = 2 THEN 'start_inspection' ELSE '' END,
       CASE WHEN e = 2 THEN 'scheduled' ELSE '' END,
       CASE WHEN e = 1 THEN 'scheduled' WHEN e = 2 THEN c.state ELSE '' END,
       CASE WHEN e = 3 THEN '已现场核实，材料齐全。' ELSE '' END,
       CASE WHEN e = 2 THEN jsonb_build_object('deadline', c.deadline) ELSE '{}'::jsonb END,
       c.created_at + (e - 1) * interval '1 hour', c.created_by_id, c.id
FROM restoration_case c, generate_series(1, 2 + mod(c.id, 2)::int) e
"""

ORDERS_SQL = """
INSERT INTO restoration_rectificationorder (case_id, inspection_id, requirements, deadline, status, drafted_by_id,
                                            drafted_at, decided_by_id, decided_at, decision_reason)
SELECT c.id, NULL, '按治理方案完成边坡整治、土地复垦和植被恢复。', coalesce(c.deadline, current_date + 30),
       CASE WHEN c.state = 'rectification_proposed' THEN 'proposed' ELSE 'approved' END,
       c.created_by_id, c.created_at + interval '1 day',
       CASE WHEN c.state = 'rectification_proposed' THEN NULL ELSE %(officer)s + mod(c.id + 3, %(officers)s) END,
       CASE WHEN c.state = 'rectification_proposed' THEN NULL ELSE c.created_at + interval '2 days' END, ''
FROM restoration_case c WHERE c.state IN ('rectification_proposed', 'rectification_ordered', 'overdue')
"""

DELEGATIONS_SQL = """
INSERT INTO restoration_delegation (case_id, contractor_id, cost_estimate, actual_cost, scope, status, drafted_by_id,
                                    drafted_at, decided_by_id, decided_at, decision_reason, cost_recorded_by_id,
                                    cost_recorded_at, reported_done_at)
SELECT c.id, c.contractor_id, 100000 + mod(c.id, 900000), NULL, '边坡治理与复绿',
       CASE WHEN c.state = 'delegation_proposed' THEN 'proposed' ELSE 'approved' END,
       c.created_by_id, c.created_at + interval '1 day',
       CASE WHEN c.state = 'delegation_proposed' THEN NULL ELSE %(officer)s + mod(c.id + 3, %(officers)s) END,
       CASE WHEN c.state = 'delegation_proposed' THEN NULL ELSE c.created_at + interval '2 days' END,
       '', NULL, NULL, NULL
FROM restoration_case c WHERE c.state IN ('delegation_proposed', 'delegated_treatment')
"""


def fill(url: str, cases: int, inventory: int) -> dict:
    """Runs in its own process: migrate, fill by SQL, make the token. Prints progress on stderr."""
    _django(url)
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from accounts.models import User
    from accounts.tokens import token_create

    def step(label, started):
        print(f"    {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    step("migrate", started)
    mines = max(7, inventory * 7 // 10)
    sites = max(3, inventory - mines)
    params = {"companies": max(10, mines // 4), "contractors": CONTRACTORS, "mines": mines, "sites": sites}
    fill_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO off")
        started = time.perf_counter()
        for sql in INVENTORY_SQL:
            cursor.execute(sql, params)
        step(f"{mines:,} mines, {sites:,} historical sites, {params['companies']:,} companies", started)
        cursor.execute(
            "SELECT (SELECT min(id) FROM mines_mine), (SELECT min(id) FROM mines_historicalsite), "
            "(SELECT min(id) FROM accounts_user WHERE username LIKE 'officer%'), "
            "(SELECT min(id) FROM mines_contractor)"
        )
        mine, site, officer, contractor = cursor.fetchone()
        ids = {"mine": mine, "site": site, "officer": officer, "contractor": contractor, "officers": OFFICERS}
        started = time.perf_counter()
        cursor.execute(CASES_SQL, {**params, **ids, "cases": cases})
        step(f"{cases:,} cases", started)
        started = time.perf_counter()
        cursor.execute(EVENTS_SQL)
        events = cursor.rowcount
        step(f"{events:,} events", started)
        started = time.perf_counter()
        cursor.execute(ORDERS_SQL, ids)
        orders = cursor.rowcount
        cursor.execute(DELEGATIONS_SQL, ids)
        delegations = cursor.rowcount
        step(f"{orders:,} rectification orders, {delegations:,} delegations", started)
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE")
        step("VACUUM ANALYZE", started)
        fill_seconds = time.perf_counter() - fill_started
        cursor.execute("SELECT min(id), max(id) FROM restoration_case")
        first, last = cursor.fetchone()
        # The filter: rectification ordered in the first county. The detail: 20 cases spread over
        # the table, half of them with a rectification order.
        cursor.execute("SELECT min(id) FROM mines_county")
        county = cursor.fetchone()[0]
        cursor.execute(
            "SELECT id FROM restoration_case WHERE mod(id, %s) = 0 ORDER BY id LIMIT 10", [max(1, cases // 10)]
        )
        detail = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT DISTINCT ON (id / %s) case_id FROM restoration_rectificationorder ORDER BY id / %s, id LIMIT 10",
            [max(1, orders // 10), max(1, orders // 10)],
        )
        detail += [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM restoration_case WHERE state = %s AND county_id = %s", [FILTER_STATE, county]
        )
        filtered = cursor.fetchone()[0]
    user = User.objects.get(username="bench_api")
    _token, raw = token_create(user=user, name="bench", expires_at=timezone.now() + timedelta(days=7))
    return {
        "cases": cases,
        "events": events,
        "orders": orders,
        "delegations": delegations,
        "mines": mines,
        "sites": sites,
        "fill_seconds": round(fill_seconds, 1),
        "token": raw,
        "county": county,
        "filtered_rows": filtered,
        "detail_ids": detail,
        # A cursor 90 % of the way down the newest-first list.
        "deep_before": first + (last - first) // 10,
    }


# ---------------------------------------------------------------- gunicorn


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child: on Linux, get SIGTERM if the benchmark dies, even by SIGKILL (no orphaned gunicorn)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Gunicorn:
    """gunicorn in its own process group on a loopback port; always stopped, group and all."""

    def __init__(self, url: str, workers: int, logdir: Path):
        self.url, self.workers, self.logdir = url, workers, logdir
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None

    def __enter__(self):
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DATABASE_URL": self.url,
            "DEBUG": "0",
            "SECRET_KEY": os.environ.get("SECRET_KEY", SECRET),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DB_CONN_MAX_AGE": "600",
            # The token throttle stays on, with a limit the load cannot reach and a 1 s window
            # (at 1200/min the bench would be answered 429 after a second).
            "API_THROTTLE_TOKEN": "1000000/s",
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)  # the cache is the default locmem
        gunicorn = Path(sys.executable).parent / "gunicorn"
        command = [
            str(gunicorn),
            "config.wsgi:application",
            "--chdir",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.logdir / "gunicorn.log"),
        ]
        self.process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, start_new_session=True, preexec_fn=_die_with_parent
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.logdir / 'gunicorn.log'}")
            try:
                if get(self.base + "/bench/floor/framework/", None)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass


def headers(token):
    out = {"X-Forwarded-Proto": "https", "Accept": "application/json"}  # as behind the TLS proxy
    if token:
        out["Authorization"] = f"Bearer {token}"
    return out


def get(url: str, token):
    request = urllib.request.Request(url, headers=headers(token))  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.read()[:300]


# ---------------------------------------------------------------- the load


WRK_SCRIPT = """
local paths = {%(paths)s}
local n = #paths
local i = 0
%(headers)s
request = function()
  i = i + 1
  return wrk.format(nil, paths[(i %% n) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %%d, \\"duration_us\\": %%d, \\"p50_us\\": %%d, \\"p99_us\\": %%d, "
    .. "\\"max_us\\": %%d, \\"errors\\": %%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk(base: str, paths: list[str], token, args, workdir: Path) -> dict:
    lua_headers = "\n".join(f'wrk.headers["{k}"] = "{v}"' for k, v in headers(token).items())
    script = workdir / "load.lua"
    script.write_text(
        WRK_SCRIPT % {"paths": ", ".join(json.dumps(p) for p in paths), "headers": lua_headers}, encoding="utf-8"
    )

    def run(seconds):
        command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{seconds}s"]
        command += ["--timeout", "10s", "-s", str(script), base + paths[0]]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
        line = next(line for line in output.splitlines() if line.startswith("WRKJSON "))
        return json.loads(line[len("WRKJSON ") :])

    if args.warmup:
        run(args.warmup)
    figures = run(args.duration)
    return {
        "p50": figures["p50_us"] / 1000,
        "p99": figures["p99_us"] / 1000,
        "rps": figures["requests"] / (figures["duration_us"] / 1e6),
        "requests": figures["requests"],
        "errors": figures["errors"],
    }


def psycopg_floor(url: str, name: str, params_list: list[dict], threads: int, seconds: float) -> dict:
    """Floor `name`'s statements from a plain psycopg client, `threads` connections, prepared, for
    `seconds` after a warm-up."""
    import psycopg

    done, stop = [], threading.Event()  # (finished at, latency)

    def worker(offset):
        local = []
        with psycopg.connect(url, autocommit=True) as conn:
            prepared = [floor_sql.bound(conn, name, params) for params in params_list]
            i = offset
            while not stop.is_set():
                statements = prepared[i % len(prepared)]
                i += 1
                started = time.perf_counter()
                for sql in statements:
                    conn.execute(sql, prepare=True).fetchall()
                finished = time.perf_counter()
                local.append((finished, finished - started))
        done.extend(local)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    time.sleep(1.0)  # warm-up: connections, prepared statements, caches
    window_start = time.perf_counter()
    time.sleep(seconds)
    window_end = time.perf_counter()
    stop.set()
    for thread in pool:
        thread.join()
    latencies = sorted(latency for finished, latency in done if window_start <= finished <= window_end)
    return {
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "rps": len(latencies) / (window_end - window_start),
        "requests": len(latencies),
        "errors": 0,
    }


def plan_times(url: str, f: dict) -> dict:
    """PostgreSQL's own planning and execution time of each floor's statements (median of 5, ms)."""
    import psycopg

    out = {}
    with psycopg.connect(url, autocommit=True) as conn:
        cursor = psycopg.ClientCursor(conn)
        for name, statements in floor_sql.FLOORS.items():
            params = floor_params(f, name)[0]
            planning = execution = 0.0
            for sql in statements:
                plans, runs = [], []
                for _ in range(5):
                    lines = [row[0] for row in cursor.execute("EXPLAIN (ANALYZE, SUMMARY) " + sql, params)]
                    plans.append(next(float(x.split()[2]) for x in lines if x.startswith("Planning Time")))
                    runs.append(next(float(x.split()[2]) for x in lines if x.startswith("Execution Time")))
                planning += sorted(plans)[2]
                execution += sorted(runs)[2]
            out[name] = {"planning": planning, "execution": execution}
    return out


# ---------------------------------------------------------------- what is measured


def keyset_cursor(ordering: str, values: list) -> str:
    """A cursor as api.pagination.KeysetPagination writes it (base64 of JSON, no padding)."""
    raw = json.dumps({"o": ordering, "v": values}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


# key → (label, paths). Ours, the peer, the floors; `db_<key>` is the database floor of `<key>`.
def endpoints(f: dict) -> dict:
    county, before, ids = f["county"], f["deep_before"], f["detail_ids"]
    filtered = f"state={FILTER_STATE}&county={county}"
    return {
        "cases": ("ours: /api/v1/cases/", ["/api/v1/cases/"]),
        "cases_filtered": ("ours: /api/v1/cases/?state=…&county=…", [f"/api/v1/cases/?{filtered}"]),
        "cases_deep": (
            "ours: /api/v1/cases/?cursor=… (90 % deep)",
            [f"/api/v1/cases/?cursor={keyset_cursor('-id', [before])}"],
        ),
        "case_detail": ("ours: /api/v1/cases/{id}/ (20 ids)", [f"/api/v1/cases/{i}/" for i in ids]),
        "mines": ("ours: /api/v1/mines/", ["/api/v1/mines/"]),
        "peer_cases": ("peer: cases", ["/bench/peer/cases/"]),
        "peer_cases_filtered": ("peer: cases?state=…&county=…", [f"/bench/peer/cases/?{filtered}"]),
        "peer_mines": ("peer: mines", ["/bench/peer/mines/"]),
        "framework": ("framework floor: bare Django view", ["/bench/floor/framework/"]),
        "db_cases": ("DB floor view: cases", ["/bench/floor/db/cases/"]),
        "db_cases_filtered": ("DB floor view: cases filtered", [f"/bench/floor/db/cases_filtered/?{filtered}"]),
        "db_cases_deep": ("DB floor view: cases deep", [f"/bench/floor/db/cases_deep/?before={before}"]),
        "db_case_detail": ("DB floor view: case detail", [f"/bench/floor/db/case_detail/?id={i}" for i in ids]),
        "db_mines": ("DB floor view: mines", ["/bench/floor/db/mines/"]),
    }


OURS = ["cases", "cases_filtered", "cases_deep", "case_detail", "mines"]
OUR_LISTS = ["cases", "cases_filtered", "cases_deep", "mines"]
PEER_OF = {"cases": "peer_cases", "cases_filtered": "peer_cases_filtered", "mines": "peer_mines"}


def floor_params(f: dict, name: str) -> list[dict]:
    base = {"state": FILTER_STATE, "county": f["county"], "before": f["deep_before"], "id": 0}
    if name == "case_detail":
        return [{**base, "id": i} for i in f["detail_ids"]]
    return [base]


def check(base: str, token: str, f: dict, points: dict) -> list[str]:
    """Before loading: every endpoint answers 200; ours, the peer and the floor answer the same rows."""
    problems, pages = [], {}
    for key, (_label, paths) in points.items():
        for path in paths[:2]:
            status, body = get(base + path, token)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}: {body!r}")
            pages.setdefault(key, body)
    for ours, peer in PEER_OF.items():
        if pages[ours]["results"] != pages[peer]["results"]:
            problems.append(f"the peer's {peer} rows differ from ours")
    for key in OUR_LISTS:
        ours = [row["id"] for row in pages[key]["results"]]
        floor = [row["id"] for row in pages["db_" + key]["results"]]
        if ours != floor or len(ours) != floor_sql.PAGE_SIZE:
            problems.append(f"{key}: {len(ours)} rows, the floor's {len(floor)}, ids equal: {ours == floor}")
    if pages["case_detail"]["id"] != pages["db_case_detail"]["case"][0]["id"]:
        problems.append("case detail: not the floor's case")
    # The keyset: follow `next` three pages and check the rows go on where the last page stopped.
    page, last = pages["cases"], None
    for _ in range(3):
        ids = [row["id"] for row in page["results"]]
        if last is not None and not (ids and ids[0] < last):
            problems.append("following next: a page did not start below the previous one")
        last = ids[-1]
        query = page["next"].split("?", 1)[1]
        page = get(f"{base}/api/v1/cases/?{query}", token)[1]
    deep = [row["id"] for row in pages["cases_deep"]["results"]]
    if not deep or deep[0] >= f["deep_before"]:
        problems.append("the deep cursor did not land where intended")
    return problems


def measure_size(url: str, cases: int, args) -> dict:
    inventory = args.inventory or max(100, cases // 10)
    print(
        f"\n== {cases:,} cases, {inventory:,} mines and historical sites ({url}; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)",
        flush=True,
    )
    started = time.perf_counter()
    recreate_database(url)
    output = subprocess.run(  # noqa: S603 - this script, run again in a fresh process
        [sys.executable, __file__, "--fill", str(cases), "--inventory", str(inventory)],
        env={**os.environ, "BENCH_DATABASE_URL": url},
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    ).stdout
    f = json.loads(output.strip().splitlines()[-1])
    print(
        f"  filled in {time.perf_counter() - started:.0f} s (SQL {f['fill_seconds']} s): {f['cases']:,} cases, "
        f"{f['events']:,} events, {f['orders']:,} orders, {f['delegations']:,} delegations, "
        f"{f['mines']:,} mines, {f['sites']:,} sites; the filter matches {f['filtered_rows']:,} cases",
        flush=True,
    )
    plans = plan_times(url, f)
    print(
        "  PostgreSQL planning / execution per page (ms): "
        + ", ".join(f"{name} {p['planning']:.1f} / {p['execution']:.1f}" for name, p in plans.items()),
        flush=True,
    )
    points = endpoints(f)
    http = {}
    with tempfile.TemporaryDirectory(prefix="bench-api-") as workdir:
        workdir = Path(workdir)
        try:
            with Gunicorn(url, args.workers, workdir) as server:
                problems = check(server.base, f["token"], f, points)
                for problem in problems:
                    print(f"  CHECK: {problem}", flush=True)
                if not problems:
                    print("  checks: every endpoint 200; peer = ours row for row; floor = ours id for id", flush=True)
                # Rounds: every endpoint in turn, `rounds` times, so a burst of other work on the
                # machine lands on all of them alike; each figure is the median over the rounds.
                rounds = {key: [] for key in points}
                for number in range(1, args.rounds + 1):
                    print(f"  round {number} of {args.rounds} (load average {os.getloadavg()[0]:.1f})", flush=True)
                    for key, (_label, paths) in points.items():
                        rounds[key].append(wrk(server.base, paths, f["token"], args, workdir))
                for key, (label, _paths) in points.items():
                    http[key] = result = {
                        name: statistics.median(run[name] for run in rounds[key]) for name in ("p50", "p99", "rps")
                    }
                    result["errors"] = sum(run["errors"] for run in rounds[key])
                    result["requests"] = sum(run["requests"] for run in rounds[key])
                    print(
                        f"  {label:<46} p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms  "
                        f"{result['rps']:8.0f} req/s" + (f"  {result['errors']} ERRORS" if result["errors"] else ""),
                        flush=True,
                    )
        except BaseException:
            log = workdir / "gunicorn.log"
            if log.exists():
                print(log.read_text()[-3000:], file=sys.stderr)
            raise
    raw = {}
    for name in floor_sql.FLOORS:
        raw[name] = result = psycopg_floor(url, name, floor_params(f, name), args.workers, args.raw_duration)
        print(
            f"  {'DB floor, psycopg client: ' + name:<46} p50 {result['p50']:7.2f} ms  p99 {result['p99']:7.2f} ms  "
            f"{result['rps']:8.0f} q/s",
            flush=True,
        )
    f.pop("token")
    return {"cases": cases, "data": f, "http": http, "raw": raw, "plans": plans}


# ---------------------------------------------------------------- report


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.inf  # a run too short to finish a request


def ratios(run: dict) -> dict:
    http = run["http"]
    out = {}
    for key in OURS:
        floor = http["db_" + key]
        out[key] = {
            "p50_floor": _ratio(http[key]["p50"], floor["p50"]),
            "p99_floor": _ratio(http[key]["p99"], floor["p99"]),
            "p50_raw": _ratio(http[key]["p50"], run["raw"][key]["p50"]),
        }
        if key in PEER_OF:
            out[key]["rps_peer"] = _ratio(http[key]["rps"], http[PEER_OF[key]]["rps"])
    return out


def size_label(cases: int) -> str:
    return f"{cases // 1_000_000}M" if cases % 1_000_000 == 0 else f"{cases // 1000}k"


def report(runs: list[dict], args):
    labels = [size_label(run["cases"]) for run in runs]
    points = endpoints(runs[0]["data"])
    print(
        f"\n## Latency and throughput (wrk: {args.connections} connections, {args.threads} threads; median of "
        f"{args.rounds} rounds of {args.duration} s after {args.warmup} s warm-up; "
        f"gunicorn {args.workers} sync workers)\n"
    )
    head = "| endpoint | " + " | ".join(f"{label} p50 ms | {label} p99 ms | {label} req/s" for label in labels) + " |"
    print(head)
    print("| --- |" + " ---: | ---: | ---: |" * len(runs))
    for key, (label, _paths) in points.items():
        cells = [
            f"{r['http'][key]['p50']:.1f} | {r['http'][key]['p99']:.1f} | {r['http'][key]['rps']:,.0f}" for r in runs
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")
    for name in floor_sql.FLOORS:
        cells = [
            f"{r['raw'][name]['p50']:.2f} | {r['raw'][name]['p99']:.2f} | {r['raw'][name]['rps']:,.0f}" for r in runs
        ]
        print(f"| DB floor, psycopg client ({args.workers} threads): {name} | " + " | ".join(cells) + " |")

    all_ratios = [ratios(run) for run in runs]
    print("\n## Ratios (ours ÷ DB floor view: latency; ours ÷ peer: throughput)\n")
    print(
        "| ours | "
        + " | ".join(
            f"{label} p50 ÷ floor | {label} p99 ÷ floor | {label} p50 ÷ psycopg | {label} req/s ÷ peer"
            for label in labels
        )
        + " |"
    )
    print("| --- |" + " ---: | ---: | ---: | ---: |" * len(runs))
    for key in OURS:
        cells = []
        for r in all_ratios:
            x = r[key]
            peer = f"{x['rps_peer']:.2f}×" if "rps_peer" in x else "–"
            cells.append(f"{x['p50_floor']:.2f}× | {x['p99_floor']:.2f}× | {x['p50_raw']:.1f}× | {peer}")
        print(f"| {key} | " + " | ".join(cells) + " |")

    print("\n## Goals\n")
    goals = []
    worst_floor = max(max(r[k]["p50_floor"], r[k]["p99_floor"]) for r in all_ratios for k in OUR_LISTS)
    goals.append(
        (
            f"list endpoints within {GOAL_FLOOR_RATIO:g}× the DB floor's latency (p50 and p99; worst "
            f"{worst_floor:.2f}×)",
            worst_floor <= GOAL_FLOOR_RATIO,
        )
    )
    worst_peer = min(r[k]["rps_peer"] for r in all_ratios for k in PEER_OF)
    goals.append(
        (
            f"at least {GOAL_PEER_RATIO:g}× the peer's throughput (worst {worst_peer:.2f}×)",
            worst_peer >= GOAL_PEER_RATIO,
        )
    )
    big = [run for run in runs if run["cases"] >= GOAL_P99_AT]
    if big:
        worst_p99 = max(run["http"][k]["p99"] for run in big for k in OURS)
        goals.append(
            (
                f"no endpoint's p99 over {GOAL_P99_MS:g} ms at {GOAL_P99_AT:,} cases (worst {worst_p99:.1f} ms)",
                worst_p99 <= GOAL_P99_MS,
            )
        )
    if len(runs) >= 2:
        small, large = all_ratios[0], all_ratios[-1]
        drifts = []
        for key in OURS:
            for name in ("p50_floor", "p99_floor", "rps_peer"):  # the ratios the goals are about
                if name not in small[key]:
                    continue
                a, b = small[key][name], large[key][name]
                if not (a and b) or math.inf in (a, b):
                    drifts.append((math.inf, f"{key} {name}"))
                    continue
                drifts.append((max(a / b, b / a), f"{key} {name}"))
        drift, what = max(drifts)
        goals.append(
            (
                f"ratios at {runs[-1]['cases']:,} within {GOAL_SCALE_DRIFT:g}× of those at {runs[0]['cases']:,} "
                f"(worst {drift:.2f}×: {what})",
                drift <= GOAL_SCALE_DRIFT,
            )
        )
    for text, ok in goals:
        print(f"- {'met' if ok else 'NOT met'}: {text}")
    return goals


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 1_000_000], help="sizes to run, in order")
    parser.add_argument("--inventory", type=int, default=0, help="mines + sites (default: a tenth of the cases)")
    parser.add_argument("--duration", type=int, default=4, help="seconds of load per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all endpoints (figures: the median)")
    parser.add_argument("--warmup", type=int, default=1, help="seconds of load before each measurement")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers (and psycopg client threads)")
    parser.add_argument("--raw-duration", type=float, default=5, help="seconds of the psycopg client per floor")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--fill", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    # Ctrl-C and SIGTERM unwind through the `finally`s that stop gunicorn.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if args.fill is not None:
        print(json.dumps(fill(url, args.fill, args.inventory)))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install -y wrk")
    started = time.perf_counter()
    runs = [measure_size(url, cases, args) for cases in args.cases]
    goals = report(runs, args)
    if args.json:
        Path(args.json).write_text(json.dumps({"runs": runs, "goals": goals}, indent=1), encoding="utf-8")
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
