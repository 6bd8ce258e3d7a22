"""Benchmark: one reminder sweep over a million open deadlines (issue: reminders at any scale).

    make bench-reminders                      # 1,000,000 open deadlines, 10,000 due today
    .venv/bin/python bench/reminders.py --cases 100000 --due 10000

Needs PostgreSQL (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/restoration_bench;
the database is dropped and created). Prints, for the same run: the time of one sweep, the time of
the floor (reading the due deadlines' rows by index, the least any sweep must do), their ratio,
the number of SQL queries, the sweep process's peak memory, and a second sweep (nothing left to
claim). Run it at two sizes to see the query count stay flat as the data grows.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/restoration_bench"


def _setup(url: str):
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ.setdefault("ALLOWED_HOSTS", "localhost")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()


def recreate_database(url: str):
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


FILL_SQL = """
INSERT INTO mines_county (code, name, name_en) VALUES ('140602', '朔城区', 'Shuocheng District');
INSERT INTO mines_company (name, credit_code, legal_representative, contact_person, contact_phone, contact_email,
                           address, is_demo, created_at, updated_at)
  SELECT 'Bench company ' || g, '91' || lpad(g::text, 16, '0'), '', '', '', '', '', true, now(), now()
  FROM generate_series(1, %(companies)s) g;
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, role, company_id, contractor_id, city_wide, phone)
  SELECT '!', false, 'bench_company_' || c.id, '', '', 'company' || c.id || '@bench.invalid', false, true, now(),
         'company', c.id, NULL, false, ''
  FROM mines_company c;
INSERT INTO accounts_user (password, is_superuser, username, first_name, last_name, email, is_staff, is_active,
                           date_joined, role, company_id, contractor_id, city_wide, phone)
  SELECT '!', false, 'bench_officer_' || g, '', '', 'officer' || g || '@bench.invalid', true, true, now(),
         'officer', NULL, NULL, true, ''
  FROM generate_series(1, 50) g;
INSERT INTO mines_mine (licence_no, name, company_id, county_id, mineral, mining_method, licensing_level, scale,
                        design_capacity, production_status, longitude, latitude, land_reclamation_plan_filed,
                        is_demo, created_at, updated_at)
  SELECT 'BENCH' || lpad(c.id::text, 12, '0'), 'Bench mine ' || c.id, c.id, (SELECT id FROM mines_county LIMIT 1),
         'coal', 'underground', 'province', 'large', 150, 'producing', 112.4, 39.3, true, true, now(), now()
  FROM mines_company c;
"""

CASES_SQL = """
INSERT INTO restoration_case (number, kind, state, title, description, mine_id, site_id, county_id, company_id,
                              contractor_id, assigned_officer_id, deadline, deadline_version, proposed_by_id,
                              return_state, created_by_id, created_at, updated_at, closed_at)
  SELECT 'BENCH-' || g, 'annual_inspection',
         CASE WHEN g <= %(due)s THEN 'rectification_ordered' ELSE 'scheduled' END,
         'Bench case ' || g, '', m.id, NULL, m.county_id, m.company_id, NULL,
         (SELECT min(id) FROM accounts_user WHERE role = 'officer') + (g %% 50),
         CASE WHEN g <= %(due)s
              THEN current_date + (ARRAY[30, 7, 1, 0])[1 + (g %% 4)]
              ELSE current_date + 45 + (g %% 700) END,
         1, NULL, '', (SELECT min(id) FROM accounts_user WHERE role = 'officer'), now(), now(), NULL
  FROM generate_series(1, %(cases)s) g
  JOIN mines_mine m ON m.id = (SELECT min(id) FROM mines_mine) + (g %% %(companies)s);
"""


def fill(url: str, cases: int, due: int, companies: int):
    _setup(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(FILL_SQL, {"companies": companies})
        cursor.execute(CASES_SQL, {"cases": cases, "due": due, "companies": companies})
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started


def measure(url: str):
    """Runs in a fresh process so its peak memory is the sweep's own."""
    _setup(url)
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from notifications.services import reminders_sweep
    from restoration.models import Case

    # The floor: read the rows of every deadline due today by index, nothing else.
    today = timezone.localdate()
    started = time.perf_counter()
    floor_rows = len(
        list(
            Case.objects.filter(
                state__in=["scheduled", "rectification_ordered", "overdue"],
                deadline__gte=today - timedelta(days=400),
                deadline__lte=today + timedelta(days=30),
            ).values_list("pk", "deadline", "company_id", "assigned_officer_id")
        )
    )
    floor = time.perf_counter() - started

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = reminders_sweep()
        first = time.perf_counter() - started
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with CaptureQueriesContext(connection) as again_queries:
        started = time.perf_counter()
        again = reminders_sweep()
        second = time.perf_counter() - started
    total_open = Case.objects.filter(deadline__isnull=False).exclude(state__in=["closed", "accepted"]).count()
    print(
        json.dumps(
            {
                "open_deadlines": total_open,
                "due_rows_read_by_floor": floor_rows,
                "floor_seconds": round(floor, 3),
                "sweep_seconds": round(first, 3),
                "ratio_to_floor": round(first / floor, 1) if floor else None,
                "claimed": result.claimed,
                "batches": result.batches,
                "queries": len(queries.captured_queries),
                "peak_rss_mb": round(rss_peak / 1024, 1),
                "rss_before_sweep_mb": round(rss_before / 1024, 1),
                "second_sweep_seconds": round(second, 3),
                "second_sweep_claimed": again.claimed,
                "second_sweep_queries": len(again_queries.captured_queries),
            }
        )
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="open deadlines to create")
    parser.add_argument("--due", type=int, default=10_000, help="of which due for a reminder today")
    parser.add_argument("--companies", type=int, default=5_000)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    if args.measure:
        measure(url)
        return
    print(f"Filling {url} with {args.cases:,} open deadlines, {args.due:,} due today …", flush=True)
    recreate_database(url)
    fill_seconds = fill(url, args.cases, args.due, args.companies)
    print(f"  filled in {fill_seconds:.1f} s", flush=True)
    output = subprocess.run(  # noqa: S603 - this script, run again in a fresh process
        [sys.executable, __file__, "--measure"],
        env={**os.environ, "BENCH_DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    width = max(len(k) for k in figures)
    print("\nReminder sweep benchmark")
    for key, value in figures.items():
        print(f"  {key:<{width}}  {value:,}" if isinstance(value, int) else f"  {key:<{width}}  {value}")
    goal_ok = figures["sweep_seconds"] < 30 and figures["peak_rss_mb"] < 300
    print(f"\nGoal (< 30 s, < 300 MB): {'met' if goal_ok else 'NOT met'}")


if __name__ == "__main__":
    main()
