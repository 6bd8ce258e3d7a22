"""The database floor of `bench/api.py`: each measured page's rows, read by hand-written SQL.

The same rows, columns and joins as the API reads for the page (case list, filtered list, a page
deep in the keyset, one case with its orders and delegations, the mine list), nothing else: no
authentication, no scoping (the bench user sees the whole city), no serialisation beyond the
driver's. Used both by a bench-only Django view (`bench/floors.py`, same HTTP and framework cost
as any endpoint) and by a plain psycopg client (`bench/api.py`). No Django imports here.

Both run each statement with its values written in (`bound`) and prepared, so PostgreSQL plans it
once per connection: the floor is reading the rows, not planning how to (a prepared statement
with parameters may be re-planned on every execution when its generic plan looks worse).
"""

import psycopg

PAGE_SIZE = 50

_CASE_COLUMNS = """
    c.id, c.number, c.kind, c.state, c.title,
    c.county_id, co.name AS county_name, c.mine_id, m.name AS mine_name, c.site_id, s.name AS site_name,
    c.company_id, cp.name AS company_name, c.contractor_id, ct.name AS contractor_name,
    c.assigned_officer_id, u.first_name, u.last_name, u.username,
    c.deadline, c.deadline_version, c.created_at, c.updated_at, c.closed_at"""

_CASE_JOINS = """
    FROM restoration_case c
    JOIN mines_county co ON co.id = c.county_id
    LEFT JOIN mines_mine m ON m.id = c.mine_id
    LEFT JOIN mines_historicalsite s ON s.id = c.site_id
    LEFT JOIN mines_company cp ON cp.id = c.company_id
    LEFT JOIN mines_contractor ct ON ct.id = c.contractor_id
    LEFT JOIN accounts_user u ON u.id = c.assigned_officer_id"""

# The first page of /api/v1/cases/ (newest first).
CASES = f"SELECT {_CASE_COLUMNS} {_CASE_JOINS} ORDER BY c.id DESC LIMIT {PAGE_SIZE}"

# /api/v1/cases/?state=<state>&county=<county>
CASES_FILTERED = (
    f"SELECT {_CASE_COLUMNS} {_CASE_JOINS} WHERE c.state = %(state)s AND c.county_id = %(county)s "
    f"ORDER BY c.id DESC LIMIT {PAGE_SIZE}"
)

# /api/v1/cases/?cursor=<a cursor just above id `before`>
CASES_DEEP = f"SELECT {_CASE_COLUMNS} {_CASE_JOINS} WHERE c.id < %(before)s ORDER BY c.id DESC LIMIT {PAGE_SIZE}"

# /api/v1/cases/<id>/: the case, then its orders and its delegations (the API's three reads).
CASE_DETAIL = f"""
    SELECT {_CASE_COLUMNS}, c.description, c.return_state,
           c.created_by_id, cb.first_name AS cb_first, cb.last_name AS cb_last, cb.username AS cb_username,
           c.proposed_by_id, pb.first_name AS pb_first, pb.last_name AS pb_last, pb.username AS pb_username
    {_CASE_JOINS}
    JOIN accounts_user cb ON cb.id = c.created_by_id
    LEFT JOIN accounts_user pb ON pb.id = c.proposed_by_id
    WHERE c.id = %(id)s"""
CASE_ORDERS = """
    SELECT o.id, o.requirements, o.deadline, o.status, o.inspection_id,
           o.drafted_by_id, d.first_name, d.last_name, d.username, o.drafted_at,
           o.decided_by_id, e.first_name AS e_first, e.last_name AS e_last, e.username AS e_username,
           o.decided_at, o.decision_reason
    FROM restoration_rectificationorder o
    JOIN accounts_user d ON d.id = o.drafted_by_id
    LEFT JOIN accounts_user e ON e.id = o.decided_by_id
    WHERE o.case_id = %(id)s ORDER BY o.drafted_at DESC, o.id DESC"""
CASE_DELEGATIONS = """
    SELECT g.id, g.contractor_id, ct.name, g.cost_estimate, g.actual_cost, g.scope, g.status,
           g.drafted_by_id, d.first_name, d.last_name, d.username, g.drafted_at,
           g.decided_by_id, e.first_name AS e_first, e.last_name AS e_last, e.username AS e_username,
           g.decided_at, g.decision_reason, g.cost_recorded_at, g.reported_done_at
    FROM restoration_delegation g
    JOIN mines_contractor ct ON ct.id = g.contractor_id
    JOIN accounts_user d ON d.id = g.drafted_by_id
    LEFT JOIN accounts_user e ON e.id = g.decided_by_id
    WHERE g.case_id = %(id)s ORDER BY g.drafted_at DESC, g.id DESC"""

# The first page of /api/v1/mines/ (by id), with the green-list flag. As a scalar subquery, a probe
# of the current-listing index per row: written as EXISTS (as the API does) PostgreSQL hashes the
# whole listing table for every page once the table is large (the floor is the best SQL for the page).
MINES = f"""
    SELECT m.id, m.licence_no, m.name, m.company_id, cp.name AS company_name, m.county_id, co.name AS county_name,
           m.mineral, m.mining_method, m.licensing_level, m.scale, m.design_capacity, m.production_status,
           m.licence_valid_from, m.licence_valid_to, m.longitude, m.latitude, m.area_km2,
           m.planning_area_id, pa.name AS planning_area_name, m.land_reclamation_plan_filed,
           coalesce((SELECT true FROM mines_greenminelisting l WHERE l.mine_id = m.id AND l.status <> 'removed'
                     LIMIT 1), false) AS green_listed,
           m.is_demo, m.created_at, m.updated_at
    FROM mines_mine m
    JOIN mines_company cp ON cp.id = m.company_id
    JOIN mines_county co ON co.id = m.county_id
    LEFT JOIN mines_planningarea pa ON pa.id = m.planning_area_id
    ORDER BY m.id LIMIT {PAGE_SIZE}"""  # noqa: S608 - built from constants; values are bound parameters

# name → the statements one request runs
FLOORS = {
    "cases": [CASES],
    "cases_filtered": [CASES_FILTERED],
    "cases_deep": [CASES_DEEP],
    "case_detail": [CASE_DETAIL, CASE_ORDERS, CASE_DELEGATIONS],
    "mines": [MINES],
}


def bound(connection, name: str, params: dict) -> list[str]:
    """The statements of floor `name` with `params` written in as literals, ready to prepare."""
    cursor = psycopg.ClientCursor(connection)
    return [cursor.mogrify(sql, params) for sql in FLOORS[name]]
