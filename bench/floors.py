"""Bench-only views: the framework floor and the database floor, served by the same gunicorn.

- `framework_floor`: a bare Django view answering a fixed small JSON, through the project's whole
  middleware stack (what any endpoint pays before it does anything).
- `database_floor`: the same page's rows as the API endpoint, read by the raw SQL of
  `bench/floor_sql.py` through psycopg and answered as JSON, with no authentication, scoping,
  filtering or serialisation code: what an HTTP endpoint serving those rows cannot avoid. It uses
  its own persistent psycopg connection per worker and prepares its statements (psycopg prepares
  a statement from its 5th execution by default; Django turns that off), so the floor does not pay
  PostgreSQL's planning on every request.
"""

import os

import psycopg
from django.http import JsonResponse

from bench import floor_sql

FIXED = {"status": "ok", "service": "bench"}


def framework_floor(request):
    return JsonResponse(FIXED)


def _params(request):
    query = request.GET
    return {
        "state": query.get("state", ""),
        "county": int(query.get("county", 0)),
        "before": int(query.get("before", 0)),
        "id": int(query.get("id", 0)),
    }


_connection = None
_statements = {}


def _connect():
    global _connection
    if _connection is None or _connection.closed or _connection.broken:
        _connection = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        _statements.clear()
    return _connection


def database_floor(request, name):
    params = _params(request)
    connection = _connect()
    key = (name, tuple(params.values()))
    statements = _statements.get(key)
    if statements is None:
        statements = _statements[key] = floor_sql.bound(connection, name, params)
    out = []
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql, prepare=True)
            columns = [column.name for column in cursor.description]
            out.append([dict(zip(columns, row, strict=True)) for row in cursor.fetchall()])
    body = {"results": out[0]} if len(out) == 1 else {"case": out[0], "orders": out[1], "delegations": out[2]}
    return JsonResponse(body, json_dumps_params={"ensure_ascii": False})
