"""Every URL for every role (issue 8, item 1), generated from the URL configuration.

The routes come from walking `get_resolver().url_patterns` (pages, the admin site, the API
router). Each route has an entry in the table below: how to fill its URL (which object of the
world in tests/matrix_world.py), how to call it (GET; an empty POST for POST-only routes; a few
write variants of API resources), and what each of the eight roles gets. A route with no entry
fails `test_every_url_has_an_entry_in_the_matrix`; an entry for a route that is gone fails it too.

The rules (DESIGN.md section 1):
- anonymous visitors are sent to log in (pages) or get 401 (API), except on the public pages
  listed in PUBLIC;
- a company user gets 404 for anything of another company, a contractor for anything not
  entrusted to it, an officer for anything outside their counties: a guessed id answers 404;
- a signed-in role without the right gets 403, before any validation of what it sent;
- the admin sends anyone who is not bureau staff to the admin's log-in page; inside, Django's
  own answers (403 without the permission, a redirect to the index for an object out of scope).

Besides the table, every answer is checked for two things the table cannot get wrong: nobody but
bureau staff gets a 200 from an admin page, and no page or API answer that company B or the
officer of county Y receives carries any of company A's private identifiers.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from urllib.parse import unquote, urlencode

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.matrix_world import ROLES, build_world

# ---------------------------------------------------------------- the routes


@dataclass(frozen=True)
class Route:
    pattern: str
    name: str | None

    @property
    def key(self) -> str:
        """Named routes by name, unnamed ones by their full pattern."""
        return self.name or self.pattern


def walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            yield Route(prefix + str(entry.pattern), f"{namespace}{entry.name}" if entry.name else None)
        else:  # pragma: no cover - Django has only the two
            raise TypeError(entry)


ROUTES = list(walk(get_resolver().url_patterns))


# ---------------------------------------------------------------- outcomes

LOGIN = "login redirect"  # 302 to /accounts/login/?next=<this URL>
ADMIN_LOGIN = "admin login redirect"  # 302 to /admin/login/?next=<this URL>
ANON_API = 401
NON_STAFF = (ADMIN_LOGIN,) * 4  # anonymous, company A, company B, contractor in the admin


@dataclass(frozen=True)
class Redirect:
    """A redirect to exactly `to`: "=path" a literal path, "@name" the world object's
    get_absolute_url(), "#url-name:name" the named URL of the world object."""

    to: str

    def __str__(self):
        return f"302 to {self.to}"


def R(anonymous, company_a, company_b, contractor, officer_x, officer_y, supervisor, admin):
    """One row of the matrix, in the order of ROLES."""
    return dict(
        zip(ROLES, (anonymous, company_a, company_b, contractor, officer_x, officer_y, supervisor, admin), strict=True)
    )


# The rows that recur. "Objects" are company A's, in county X.
SIGNED_IN = R(LOGIN, 200, 200, 200, 200, 200, 200, 200)
BUREAU_PAGE = R(LOGIN, 403, 403, 403, 200, 200, 200, 200)
COMPANY_OBJECT = R(LOGIN, 200, 404, 404, 200, 404, 200, 200)  # mine, fund, company: not the contractor's
CASE_OBJECT = R(LOGIN, 200, 404, 200, 200, 404, 200, 200)  # the delegated case: also the contractor's
ENTRUSTED_OBJECT = R(LOGIN, 404, 404, 200, 200, 404, 200, 200)  # key project and its site: no company's
PERSONAL = R(LOGIN, 200, 404, 404, 404, 404, 404, 404)  # company A's user's own notice and token
API_SIGNED_IN = R(ANON_API, 200, 200, 200, 200, 200, 200, 200)


def api(row):
    """The same row for the API: 401 instead of the log-in redirect."""
    return {role: ANON_API if outcome == LOGIN else outcome for role, outcome in row.items()}


def with_(row, **changes):
    return {**row, **changes}


# ---------------------------------------------------------------- entries


@dataclass(frozen=True)
class Entry:
    """How to call one route and what each role gets.

    kwargs and data: "@name" is the pk of the world's object `name`; anything else is literal.
    """

    expect: dict
    kwargs: dict = field(default_factory=dict)
    method: str = "get"
    query: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    label: str = ""
    path: str = ""  # unnamed routes: the literal URL to call

    def __post_init__(self):
        assert set(self.expect) == set(ROLES), self.expect


def post(expect, **kwargs):
    return Entry(expect, method="post", **kwargs)


def obj(name, **extra):
    return {"pk": f"@{name}", **extra}


# Anyone may call these without logging in. Everything else sends an anonymous visitor to log in
# (pages, admin) or answers 401 (API): test_only_public_urls_answer_anonymous_visitors.
PUBLIC = {
    "login": "the log-in page",
    "logout": "logging out (POST) just sends you to the log-in page",
    "set_language": "the language switch",
    "disclosure": "the public disclosure page (plan ch.5 三(二))",
    "api:schema": "the OpenAPI schema (SERVE_PERMISSIONS AllowAny; also committed as docs/openapi.yaml)",
    "api:docs": "Swagger UI over the schema",
    "admin:login": "the admin's log-in page",
    "api/^.*$": "any other URL under /api/: a JSON 404 for everyone, naming nothing",
}

HOME = Redirect("=/")
# Django's admin sends those who are not staff and post to its log-out to its index, which asks
# them to log in; it sends staff asking for an object out of their scope there too.
ADMIN_INDEX = Redirect("=/admin/")
# How the URLs that are not public turn an anonymous visitor away.
TURNED_AWAY = (LOGIN, ADMIN_LOGIN, ANON_API, ADMIN_INDEX)
TO_LOGIN = Redirect("=/accounts/login/")
TO_CASE = Redirect("@case")
TO_REPORT_CASE = Redirect("@report_case")
TO_FUND = Redirect("#fund-detail:fund")
TO_PROJECT = Redirect("@project")
TO_RECEIVABLES = Redirect("=/receivables/")

# Case actions on the page (POST cases/<pk>/act/<action>/ with an empty form).
CASE_ACT = [
    # approve: supervisors only; the delegated case is not awaiting a decision (409).
    post(R(LOGIN, 403, 404, 403, 403, 404, 409, 409), kwargs=obj("case", action="approve"), label="approve"),
    # submit: the company only; already submitted long ago (409).
    post(R(LOGIN, 409, 404, 403, 403, 404, 403, 403), kwargs=obj("case", action="submit"), label="submit"),
    # report the treatment done: the contractor (or the bureau), from delegated treatment.
    post(
        R(LOGIN, 403, 404, TO_CASE, TO_CASE, 404, TO_CASE, TO_CASE),
        kwargs=obj("case", action="report_treatment_done"),
        label="report_treatment_done",
    ),
    # record the actual cost: bureau staff; its form needs the amount (400), but the company and
    # the contractor must be refused before the form is looked at.
    post(
        R(LOGIN, 403, 404, 403, 400, 404, 400, 400),
        kwargs=obj("case", action="record_treatment_cost"),
        label="record_treatment_cost",
    ),
    # accept an annual report: bureau staff; the report case is not the contractor's.
    post(
        R(LOGIN, 403, 404, 404, TO_REPORT_CASE, 404, TO_REPORT_CASE, TO_REPORT_CASE),
        kwargs=obj("report_case", action="accept_report"),
        label="accept_report",
    ),
    post(R(LOGIN, 404, 404, 404, 404, 404, 404, 404), kwargs=obj("case", action="no_such_action"), label="unknown"),
]

# The API's case steps (POST /api/v1/cases/<pk>/<step>/ with an empty body): who may take each,
# and what those who may get on the world's delegated case (409: not from this state or kind;
# 400: the step needs input; 200: done). Everyone else who sees the case gets 403, before the
# input is validated; who does not see it, 404.
COMPANY, CONTRACTOR = {"company_a"}, {"contractor"}
BUREAU, SUPERVISORS = {"officer_x", "officer_y", "supervisor", "admin"}, {"supervisor", "admin"}
CASE_STEPS = {
    "submit": (COMPANY, 409),
    "withdraw": (COMPANY, 409),
    "submit_rectification": (COMPANY, 409),
    "accept_for_review": (BUREAU, 409),
    "start_inspection": (BUREAU, 409),
    "record_inspection": (BUREAU, 400),
    "propose_delegation": (BUREAU, 400),
    "record_treatment_cost": (BUREAU, 400),
    "report_treatment_done": (BUREAU | CONTRACTOR, 200),
    "propose_removal": (BUREAU, 400),
    "advance_site": (BUREAU, 409),
    "request_acceptance": (BUREAU | CONTRACTOR, 409),
    "approve": (SUPERVISORS, 409),
    "reject": (SUPERVISORS, 400),
    # On the annual-report case (already lodged): not the contractor's.
    "lodge_report": (COMPANY, 400),
    "accept_report": (BUREAU, 200),
    "return_report": (BUREAU, 400),
    # Anyone who sees the case may comment; an empty comment is refused.
    "comment": (set(ROLES), 400),
    "assign": (BUREAU, 400),
}
REPORT_STEPS = {"lodge_report", "accept_report", "return_report"}


def case_step(step):
    allowed, answer = CASE_STEPS[step]
    sees = {"company_a", "officer_x", "supervisor", "admin"} | (set() if step in REPORT_STEPS else CONTRACTOR)
    row = {
        role: ANON_API if role == "anonymous" else (answer if role in allowed else 403) if role in sees else 404
        for role in ROLES
    }
    return post(row, kwargs=obj("report_case" if step in REPORT_STEPS else "case"))


ENTRIES = {
    # ---- public
    "login": Entry(R(200, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    "logout": post(R(TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN)),
    "set_language": post(R(HOME, HOME, HOME, HOME, HOME, HOME, HOME, HOME)),
    "disclosure": Entry(R(200, 200, 200, 200, 200, 200, 200, 200)),
    # ---- accounts
    "profile": Entry(SIGNED_IN),
    "token-create": post(R(LOGIN, 400, 400, 400, 400, 400, 400, 400)),
    # Another user's token: 404 like any other id one may not see (the owner is sent back to the profile).
    "token-revoke": post(
        R(LOGIN, Redirect("=/accounts/profile/"), 404, 404, 404, 404, 404, 404), kwargs=obj("token_a")
    ),
    # ---- inventory pages
    "home": Entry(SIGNED_IN),
    "mine-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "csv"}, label="csv")],
    "mine-create": Entry(BUREAU_PAGE),
    "mine-import": Entry(BUREAU_PAGE),
    "mine-detail": Entry(COMPANY_OBJECT, kwargs=obj("mine_a")),
    "mine-edit": Entry(with_(COMPANY_OBJECT, company_a=403), kwargs=obj("mine_a")),
    "site-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "xlsx"}, label="xlsx")],
    "site-create": Entry(BUREAU_PAGE),
    "site-import": Entry(BUREAU_PAGE),
    "import-upload": [
        Entry(BUREAU_PAGE, kwargs={"kind": "sites"}),
        Entry(R(LOGIN, 404, 404, 404, 404, 404, 404, 404), kwargs={"kind": "nothing"}, label="unknown kind"),
    ],
    "import-template": Entry(BUREAU_PAGE, kwargs={"kind": "mines", "fmt": "xlsx"}),
    # A token another session uploaded: bureau staff 404 (the file is bound to its session).
    "import-preview": Entry(
        R(LOGIN, 403, 403, 403, 404, 404, 404, 404), kwargs={"kind": "mines", "token": "another-sessions-upload"}
    ),
    "site-detail": Entry(ENTRUSTED_OBJECT, kwargs=obj("site")),
    "site-edit": Entry(with_(ENTRUSTED_OBJECT, contractor=403), kwargs=obj("site")),
    "project-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "csv"}, label="csv")],
    "project-detail": Entry(ENTRUSTED_OBJECT, kwargs=obj("project")),
    "company-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "csv"}, label="csv")],
    "company-create": Entry(BUREAU_PAGE),
    "company-detail": Entry(COMPANY_OBJECT, kwargs=obj("company_a")),
    "company-edit": Entry(with_(COMPANY_OBJECT, company_a=403), kwargs=obj("company_a")),
    "map": Entry(SIGNED_IN),
    "map-data": [
        Entry(SIGNED_IN, query={"layer": "mines"}, label="mines"),
        Entry(SIGNED_IN, query={"layer": "sites"}, label="sites"),
    ],
    # ---- cases
    "desk": Entry(SIGNED_IN),
    "case-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "csv"}, label="csv")],
    "case-open": [
        # Company A may apply for its mine's closure; the bureau opens the other kinds.
        Entry(COMPANY_OBJECT, query={"mine": "@mine_a"}, label="mine"),
        # Only bureau staff open historical-site cases: the contractor sees the site but may not.
        Entry(with_(ENTRUSTED_OBJECT, contractor=403), query={"site": "@site"}, label="site"),
    ],
    "case-detail": Entry(CASE_OBJECT, kwargs=obj("case")),
    "case-act": CASE_ACT,
    "case-comment": post(R(LOGIN, TO_CASE, 404, TO_CASE, TO_CASE, 404, TO_CASE, TO_CASE), kwargs=obj("case")),
    "case-assign": post(R(LOGIN, 403, 404, 403, TO_CASE, 404, TO_CASE, TO_CASE), kwargs=obj("case")),
    # Nothing attached: refused (400) for those who may upload to the delegated case.
    "evidence-upload": post(R(LOGIN, 400, 404, 400, 400, 404, 400, 400), kwargs=obj("case")),
    "evidence-download": Entry(CASE_OBJECT, kwargs=obj("evidence")),
    "evidence-preview": Entry(CASE_OBJECT, kwargs=obj("evidence")),
    "evidence-review": post(R(LOGIN, 403, 404, 403, TO_CASE, 404, TO_CASE, TO_CASE), kwargs=obj("evidence")),
    # ---- funds
    "fund-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "csv"}, label="csv")],
    "fund-open": post(R(LOGIN, 403, 404, 404, TO_FUND, 404, TO_FUND, TO_FUND), data={"mine": "@mine_a"}),
    "fund-shortfalls": Entry(SIGNED_IN),
    "fund-reconciliation": Entry(BUREAU_PAGE),
    "fund-detail": Entry(COMPANY_OBJECT, kwargs=obj("fund")),
    "fund-statement": [
        Entry(COMPANY_OBJECT, kwargs=obj("fund", fmt="xlsx"), label="xlsx"),
        Entry(COMPANY_OBJECT, kwargs=obj("fund", fmt="pdf"), label="pdf"),
    ],
    "fund-record": post(R(LOGIN, 403, 404, 404, TO_FUND, 404, TO_FUND, TO_FUND), kwargs=obj("fund")),
    "fund-refund": post(R(LOGIN, 403, 404, 404, TO_FUND, 404, TO_FUND, TO_FUND), kwargs=obj("fund")),
    "fund-withdraw": post(R(LOGIN, 403, 404, 404, TO_FUND, 404, TO_FUND, TO_FUND), kwargs=obj("fund")),
    "fund-reverse": post(R(LOGIN, 403, 404, 404, TO_FUND, 404, TO_FUND, TO_FUND), kwargs=obj("fund")),
    # Deciding a withdrawal above the threshold is for supervisors.
    "withdrawal-decide": post(R(LOGIN, 403, 404, 404, 403, 404, TO_FUND, TO_FUND), kwargs=obj("withdrawal")),
    "receivable-list": [Entry(SIGNED_IN), Entry(SIGNED_IN, query={"export": "csv"}, label="csv")],
    "receivable-pay": post(
        R(LOGIN, 403, 404, 404, TO_RECEIVABLES, 404, TO_RECEIVABLES, TO_RECEIVABLES), kwargs=obj("receivable")
    ),
    "reporting-periods": Entry(BUREAU_PAGE),
    "project-finance": Entry(SIGNED_IN),
    "project-disburse": post(R(LOGIN, 404, 404, 403, TO_PROJECT, 404, TO_PROJECT, TO_PROJECT), kwargs=obj("project")),
    "disbursement-reverse": post(
        R(LOGIN, 404, 404, 403, TO_PROJECT, 404, TO_PROJECT, TO_PROJECT), kwargs=obj("disbursement")
    ),
    "milestone-add": post(R(LOGIN, 404, 404, 403, TO_PROJECT, 404, TO_PROJECT, TO_PROJECT), kwargs=obj("project")),
    "milestone-done": post(R(LOGIN, 404, 404, 403, TO_PROJECT, 404, TO_PROJECT, TO_PROJECT), kwargs=obj("milestone")),
    # ---- inbox
    "inbox": Entry(SIGNED_IN),
    "notice-open": post(with_(PERSONAL, company_a=TO_CASE), kwargs=obj("notice")),
    "notices-read-all": post(R(LOGIN, *[Redirect("=/inbox/")] * 7)),
    # ---- targets
    "dashboard": Entry(BUREAU_PAGE),
    "evaluation": Entry(BUREAU_PAGE),
    # ---- API
    "api:api-root": Entry(API_SIGNED_IN),
    "api:me": Entry(API_SIGNED_IN),
    "api:schema": Entry(R(200, 200, 200, 200, 200, 200, 200, 200)),
    "api:docs": Entry(R(200, 200, 200, 200, 200, 200, 200, 200)),
    "api:county-list": Entry(API_SIGNED_IN),
    "api:county-detail": Entry(API_SIGNED_IN, kwargs=obj("county_x")),
    "api:planning-area-list": Entry(API_SIGNED_IN),
    "api:planning-area-detail": Entry(API_SIGNED_IN, kwargs=obj("planning_area")),
    "api:zone-list": Entry(API_SIGNED_IN),
    "api:zone-detail": Entry(API_SIGNED_IN, kwargs=obj("zone")),
    "api:key-project-list": Entry(API_SIGNED_IN),
    "api:key-project-detail": Entry(api(ENTRUSTED_OBJECT), kwargs=obj("project")),
    "api:green-mine-listing-list": Entry(API_SIGNED_IN),
    "api:green-mine-listing-detail": Entry(api(COMPANY_OBJECT), kwargs=obj("listing")),
    "api:company-list": [
        Entry(API_SIGNED_IN),
        # Registering needs the permission, checked before the (empty) input: 403, else 400.
        post(R(ANON_API, 403, 403, 403, 400, 400, 400, 400), label="create"),
    ],
    "api:company-detail": [
        Entry(api(COMPANY_OBJECT), kwargs=obj("company_a")),
        Entry(R(ANON_API, 403, 403, 403, 200, 404, 200, 200), kwargs=obj("company_a"), method="patch", label="patch"),
    ],
    "api:contractor-list": Entry(API_SIGNED_IN),
    # Bureau staff pick from the whole register; a contractor sees itself; companies none.
    "api:contractor-detail": Entry(R(ANON_API, 404, 404, 200, 200, 200, 200, 200), kwargs=obj("contractor_org")),
    "api:mine-list": [
        Entry(API_SIGNED_IN),
        post(R(ANON_API, 403, 403, 403, 400, 400, 400, 400), label="create"),
    ],
    "api:mine-detail": [
        Entry(api(COMPANY_OBJECT), kwargs=obj("mine_a")),
        Entry(R(ANON_API, 403, 403, 403, 200, 404, 200, 200), kwargs=obj("mine_a"), method="patch", label="patch"),
    ],
    "api:historical-site-list": [
        Entry(API_SIGNED_IN),
        post(R(ANON_API, 403, 403, 403, 400, 400, 400, 400), label="create"),
    ],
    "api:historical-site-detail": [
        Entry(api(ENTRUSTED_OBJECT), kwargs=obj("site")),
        Entry(R(ANON_API, 403, 403, 403, 200, 404, 200, 200), kwargs=obj("site"), method="patch", label="patch"),
    ],
    "api:case-list": [
        Entry(API_SIGNED_IN),
        # Companies open closure applications and the bureau every kind (here: no input, 400);
        # a contractor opens none.
        post(R(ANON_API, 400, 400, 403, 400, 400, 400, 400), label="create"),
    ],
    "api:case-detail": Entry(api(CASE_OBJECT), kwargs=obj("case")),
    **{f"api:case-{step}": case_step(step) for step in CASE_STEPS},
    "api:case-event-list": Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case"}),
    "api:case-event-detail": Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case", "pk": "@event"}),
    "api:case-evidence-list": [
        Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case"}),
        # Nothing attached: refused (400) for those who may upload.
        post(R(ANON_API, 400, 404, 400, 400, 404, 400, 400), kwargs={"case_pk": "@case"}, label="upload"),
    ],
    "api:case-evidence-detail": Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case", "pk": "@evidence"}),
    "api:case-evidence-download": Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case", "pk": "@evidence"}),
    "api:case-evidence-review": post(
        R(ANON_API, 403, 404, 403, 400, 404, 400, 400), kwargs={"case_pk": "@case", "pk": "@evidence"}
    ),
    "api:case-inspection-list": Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case"}),
    "api:case-inspection-detail": Entry(api(CASE_OBJECT), kwargs={"case_pk": "@case", "pk": "@inspection"}),
    "api:fund-list": Entry(API_SIGNED_IN),
    "api:fund-detail": Entry(api(COMPANY_OBJECT), kwargs=obj("fund")),
    "api:fund-entry-list": Entry(api(COMPANY_OBJECT), kwargs={"fund_pk": "@fund"}),
    "api:fund-entry-detail": Entry(api(COMPANY_OBJECT), kwargs={"fund_pk": "@fund", "pk": "@fund_entry"}),
    "api:notification-list": Entry(API_SIGNED_IN),
    "api:notification-read-all": post(API_SIGNED_IN),
    "api:notification-detail": Entry(api(PERSONAL), kwargs=obj("notice")),
    "api:notification-mark-read": post(api(PERSONAL), kwargs=obj("notice")),
    "api:token-list": [
        Entry(API_SIGNED_IN),
        # A token cannot make more tokens (only the web session can).
        post(R(ANON_API, 403, 403, 403, 403, 403, 403, 403), label="create"),
    ],
    "api:token-detail": Entry(api(PERSONAL), kwargs=obj("token_a")),
    "api:token-revoke": post(api(PERSONAL), kwargs=obj("token_a")),
    "api/^.*$": Entry(R(404, 404, 404, 404, 404, 404, 404, 404), path="/api/v2/nothing-here/"),
    # ---- the admin site's own pages (its per-model pages follow ADMIN_MODELS below)
    "admin:index": Entry(R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200, 200)),
    # Non-staff who are logged in see the form with "you are not authorised"; staff go to the index.
    "admin:login": Entry(R(200, 200, 200, 200, *[Redirect("=/admin/")] * 4)),
    # Logging out of the admin ends the session like the site's log-out (LOGOUT_REDIRECT_URL).
    "admin:logout": post(R(*[ADMIN_INDEX] * 4, TO_LOGIN, TO_LOGIN, TO_LOGIN, TO_LOGIN)),
    "admin:password_change": Entry(R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200, 200)),
    "admin:password_change_done": Entry(R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200, 200)),
    "admin:autocomplete": Entry(
        R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200, 200),
        query={"app_label": "mines", "model_name": "mine", "field_name": "company", "term": ""},
    ),
    "admin:jsi18n": Entry(R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200, 200)),
    # "View on site": to the mine's page, for staff who may see the mine; 404 for the officer of
    # another county, as for an id that does not exist.
    "admin:view_on_site": Entry(
        R(
            ADMIN_LOGIN,
            ADMIN_LOGIN,
            ADMIN_LOGIN,
            ADMIN_LOGIN,
            Redirect("@mine_a"),
            404,
            Redirect("@mine_a"),
            Redirect("@mine_a"),
        ),  # fmt: skip
        kwargs={"content_type_id": "#mines.mine", "object_id": "@mine_a"},
    ),
    "admin:app_list": [
        Entry(R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 200, 200, 200, 200), kwargs={"app_label": "mines"}),
        Entry(
            R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 404, 404, 404, 200),
            kwargs={"app_label": "auth"},
            label="auth",
        ),
    ],
    "admin:auth_user_password_change": Entry(
        R(ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, ADMIN_LOGIN, 403, 403, 403, 200), kwargs={"id": "@user_a"}
    ),
    "admin/(?P<url>.*)$": Entry(R(*NON_STAFF, 404, 404, 404, 404), path="/admin/nothing-here/"),
}

# ---------------------------------------------------------------- the admin's per-model pages

# Each registered model: the world's object its pages open, and who may do what there.
#   inventory   ScopedAdmin: officers and supervisors view, add and change in their scope (role
#               permissions); only the superuser deletes.
#   records     ReadOnlyAdmin: bureau staff read in their scope; nobody adds, changes or deletes.
#   settings    supervisors edit, officers read, nobody deletes (FundPolicy: one row, no second).
#   superuser   read-only and for the superuser only (tokens, reminders, digests, notices).
#   django      Django's default permissions, which no role grants: the superuser only.
#   reminders   the reminder policy: supervisors (one row, no second), nobody deletes.
# The object is "visible" to officer Y when it is public or a register every officer sees.
ADMIN_MODELS = {
    "auth.group": ("group", "django", True),
    "django_celery_beat.periodictask": ("periodic_task", "django", True),
    "django_celery_beat.clockedschedule": ("clocked", "django", True),
    "django_celery_beat.crontabschedule": ("crontab", "django", True),
    "django_celery_beat.solarschedule": ("solar", "django", True),
    "django_celery_beat.intervalschedule": ("interval", "django", True),
    "accounts.user": ("user_a", "django", True),
    "accounts.apitoken": ("token_a", "superuser", True),
    "mines.county": ("county_x", "inventory", True),
    "mines.company": ("company_a", "inventory", False),
    "mines.contractor": ("contractor_org", "inventory", True),
    "mines.planningarea": ("planning_area", "inventory", True),
    "mines.mine": ("mine_a", "inventory", False),
    "mines.historicalsite": ("site", "inventory", False),
    "mines.governancezone": ("zone", "inventory", True),
    "mines.keyprotectionarea": ("protection_area", "inventory", True),
    "mines.keyproject": ("project", "inventory", False),
    "mines.greenminelisting": ("listing", "inventory", False),
    "restoration.case": ("case", "records", False),
    "restoration.caseevent": ("event", "records", False),
    "restoration.evidence": ("evidence", "records", False),
    "restoration.inspection": ("inspection", "records", False),
    "restoration.delegation": ("delegation", "records", False),
    "restoration.fundaccount": ("fund", "records", False),
    "restoration.fundentry": ("fund_entry", "records", False),
    "restoration.receivable": ("receivable", "records", False),
    "restoration.fundpolicy": ("fund_policy", "settings", True),
    "restoration.unitrate": ("unit_rate", "settings", True),
    "restoration.reportingperiod": ("reporting_period", "records", True),
    "restoration.annualreport": ("annual_report", "records", False),
    "restoration.fundwithdrawal": ("withdrawal", "records", False),
    "restoration.receivablepayment": ("receivable_payment", "records", False),
    "restoration.projectdisbursement": ("disbursement", "records", False),
    "restoration.projectmilestone": ("milestone", "records", False),
    "notifications.reminderpolicy": ("reminder_policy", "reminders", True),
    "notifications.reminder": ("reminder", "superuser", True),
    "notifications.digest": ("digest", "superuser", True),
    "notifications.notice": ("notice", "superuser", True),
}
ADMIN_NAME = re.compile(r"^admin:(?P<app>.+)_(?P<model>[a-z0-9]+)_(?P<view>changelist|add|history|delete|change)$")
ADMIN_REDIRECT = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/<path:object_id>/$")
OUT = ADMIN_INDEX  # Django: "… with ID … doesn't exist. Perhaps it was deleted?"


def _staff(changelist, add, change, history, delete):
    """Per view, the answers of (officer X, officer Y, supervisor, admin)."""
    return {"changelist": changelist, "add": add, "change": change, "history": history, "delete": delete}


def admin_policy(policy: str, visible_to_officer_y: bool) -> dict:
    oy = 200 if visible_to_officer_y else OUT
    staff = {
        "inventory": _staff(
            (200, 200, 200, 200), (200, 200, 200, 200), (200, oy, 200, 200), (200, oy, 200, 200), (403, 403, 403, 200)
        ),
        "records": _staff(
            (200, 200, 200, 200), (403, 403, 403, 403), (200, oy, 200, 200), (200, oy, 200, 200), (403, 403, 403, 403)
        ),
        "settings": _staff(
            (200, 200, 200, 200), (403, 403, 200, 200), (200, 200, 200, 200), (200, 200, 200, 200), (403, 403, 403, 403)
        ),
        "superuser": _staff(
            (403, 403, 403, 200), (403, 403, 403, 403), (403, 403, 403, 200), (403, 403, 403, 200), (403, 403, 403, 403)
        ),
        "django": _staff(
            (403, 403, 403, 200), (403, 403, 403, 200), (403, 403, 403, 200), (403, 403, 403, 200), (403, 403, 403, 200)
        ),
        "reminders": _staff(
            (403, 403, 200, 200), (403, 403, 403, 403), (403, 403, 200, 200), (403, 403, 200, 200), (403, 403, 403, 403)
        ),
    }[policy]
    return {view: R(*NON_STAFF, *answers) for view, answers in staff.items()}


def admin_entry(app: str, model: str, view: str) -> Entry | None:
    spec = ADMIN_MODELS.get(f"{app}.{model}")
    if spec is None:
        return None
    name, policy, visible_to_officer_y = spec
    if view == "redirect":  # admin/<app>/<model>/<id>/ → …/<id>/change/
        change = Redirect(f"#admin:{app}_{model}_change:{name}")
        return Entry(R(*NON_STAFF, change, change, change, change), path=f"#admin:{app}_{model}_change:{name}")
    expect = admin_policy(policy, visible_to_officer_y)[view]
    if policy == "settings" and view == "add" and model == "fundpolicy":
        expect = R(*NON_STAFF, 403, 403, 403, 403)  # there is one already
    if view in ("changelist", "add"):
        return Entry(expect)
    return Entry(expect, kwargs={"object_id": f"@{name}"})


# ---------------------------------------------------------------- matching routes to entries


def entries_for(route: Route) -> list[Entry] | None:
    """The route's entries: ENTRIES by key, else the admin's per-model rules; None if it has none."""
    if route.key in ENTRIES:
        found = ENTRIES[route.key]
        return found if isinstance(found, list) else [found]
    match = ADMIN_NAME.match(route.name or "")
    if match:
        found = admin_entry(match["app"], match["model"], match["view"])
        return [found] if found else None
    match = ADMIN_REDIRECT.match(route.pattern) if route.name is None else None
    if match:
        found = admin_entry(match["app"], match["model"], "redirect")
        return [found] if found else None
    return None


def cases():
    params = []
    for route in ROUTES:
        for entry in entries_for(route) or []:
            variant = f"[{entry.label}]" if entry.label else ""
            for role in ROLES:
                params.append(pytest.param(route, entry, role, id=f"{route.key}{variant}-{role}"))
    return params


# ---------------------------------------------------------------- the world


@pytest.fixture(autouse=True)
def _private_media():
    """Replaces conftest's per-test media folder: the world's files live in the module's folder."""


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at the end.

    The N+1 guard of the test settings only warns here: raising would turn a page's answer into
    a 500 and hide who may see it (the page tests keep it strict).
    """
    media = tmp_path_factory.mktemp("matrix_media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media, ZEAL_RAISE=False):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = build_world()
            # One session per role, logged in once: each test sends its cookie (a test that logs
            # out deletes the row inside its own savepoint, which is rolled back).
            for role, user in built.users.items():
                client = Client()
                client.force_login(user)
                built.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture
def matrix_db(world, db):
    """Each test runs in a savepoint inside the world's transaction: what a POST changes is undone."""
    cache.clear()  # throttles, log-in counters and the cached disclosure page
    yield world
    cache.clear()


def resolve_value(world, value):
    """ "@name" → the pk of the world's object; "#app.model" → that model's content type id."""
    if isinstance(value, str) and value.startswith("@"):
        return world[value[1:]].pk
    if isinstance(value, str) and value.startswith("#"):
        app, model = value[1:].split(".")
        return ContentType.objects.get_by_natural_key(app, model).pk
    return value


def url_of(world, route: Route, entry: Entry) -> str:
    if entry.path.startswith("#"):  # "#<url name>:<object>": that object's URL under that name
        name, _sep, target = entry.path[1:].rpartition(":")
        url = reverse(name, args=[world[target].pk])
        url = url.removesuffix("change/")
    elif entry.path:
        url = entry.path
    else:
        url = reverse(route.name, kwargs={k: resolve_value(world, v) for k, v in entry.kwargs.items()})
    if entry.query:
        url += "?" + urlencode({k: resolve_value(world, v) for k, v in entry.query.items()})
    return url


def target_of(world, redirect: Redirect) -> str:
    to = redirect.to
    if to.startswith("="):
        return to[1:]
    if to.startswith("#"):
        name, _sep, target = to[1:].rpartition(":")
        return reverse(name, args=[world[target].pk])
    return world[to[1:]].get_absolute_url()


def describe(response) -> str:
    location = response.get("Location")
    return f"{response.status_code}" + (f" to {location}" if location else "")


def meets(world, response, outcome, url: str) -> bool:
    status, location = response.status_code, response.get("Location", "")
    if outcome in (LOGIN, ADMIN_LOGIN):
        login = "/accounts/login/" if outcome == LOGIN else "/admin/login/"
        base, _sep, query = location.partition("?")
        return status == 302 and base == login and unquote(query) == f"next={url}"
    if isinstance(outcome, Redirect):  # the admin's "view on site" answers absolute URLs
        return status == 302 and location.removeprefix("http://testserver") == target_of(world, outcome)
    if status in (301, 302, 303):
        return False  # every redirect in the matrix is spelled out
    return status == outcome


def request(world, route: Route, entry: Entry, role: str):
    url = url_of(world, route, entry)
    if role == "anonymous":
        client = Client()
    elif url.startswith("/api/"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {world.tokens[role]}")
    else:
        client = Client()
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[role]
    data = {k: resolve_value(world, v) for k, v in entry.data.items()}
    if entry.method == "get":
        response = client.get(url)
    elif entry.method == "post":
        response = client.post(url, data)
    elif entry.method == "patch":
        response = client.patch(url, "{}", content_type="application/json")
    else:  # pragma: no cover
        raise ValueError(entry.method)
    return url, response


def body_of(response) -> str:
    """The answer as text; an Excel workbook as the text of its XML parts."""
    raw = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    if raw.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(raw)) as workbook:
            raw = b"".join(workbook.read(name) for name in workbook.namelist() if name.endswith(".xml"))
    return raw.decode("utf-8", "replace")


# ---------------------------------------------------------------- the tests


@pytest.mark.parametrize("route, entry, role", cases())
def test_url_answers_each_role_as_the_matrix_says(matrix_db, route, entry, role):
    world = matrix_db
    url, response = request(world, route, entry, role)
    outcome = entry.expect[role]
    assert meets(world, response, outcome, url), (
        f"{entry.method.upper()} {url} as {role}: got {describe(response)}, expected {outcome}"
    )
    # Whatever the table says: the admin is for bureau staff only (its log-in form aside) …
    if url.startswith("/admin/") and role in ("anonymous", "company_a", "company_b", "contractor"):
        assert response.status_code != 200 or route.name == "admin:login", f"{url} answered 200 to {role}"
    # … and nothing of company A's reaches company B or the officer of another county.
    if role in ("company_b", "officer_y") and response.status_code == 200:
        body = body_of(response)
        leaked = [secret for secret in world.secrets if secret in body]
        assert not leaked, f"{url} shows {role} company A's {leaked}"


def test_company_as_identifiers_are_shown_to_company_a(matrix_db):
    """The leak check above looks for strings that company A's own pages really show."""
    world = matrix_db
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["company_a"]
    licence, credit_code, case_number, file_name = world.secrets
    for url, secret in (
        (f"/mines/{world['mine_a'].pk}/", licence),
        (f"/mines/?{urlencode({'export': 'xlsx'})}", licence),
        (f"/companies/{world['company_a'].pk}/", credit_code),
        (f"/cases/{world['case'].pk}/", case_number),
        (f"/cases/{world['case'].pk}/", file_name),
    ):
        response = client.get(url)
        assert response.status_code == 200 and secret in body_of(response), (url, secret)


def test_every_url_has_an_entry_in_the_matrix():
    missing = [route.key for route in ROUTES if entries_for(route) is None]
    assert not missing, "new URL without an entry in the matrix: " + ", ".join(missing)
    keys = [route.key for route in ROUTES]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    assert not twice, f"several routes share a name (format suffixes?), give each its entry: {twice}"
    stale = sorted(set(ENTRIES) - set(keys))
    assert not stale, "entries for URLs that no longer exist: " + ", ".join(stale)
    admin_models = {f"{m['app']}.{m['model']}" for key in keys if (m := ADMIN_NAME.match(key))}
    gone = sorted(set(ADMIN_MODELS) - admin_models)
    assert not gone, "admin entries for models no longer in the admin: " + ", ".join(gone)


def test_only_public_urls_answer_anonymous_visitors():
    """The allow-list is no longer than the public pages, and every other URL turns them away."""
    open_to_anonymous = set()
    for route in ROUTES:
        for entry in entries_for(route) or []:
            if entry.expect["anonymous"] not in TURNED_AWAY:
                open_to_anonymous.add(route.key)
    assert open_to_anonymous == set(PUBLIC)
    # Every role of the issue has its column, and the API answers 401 where pages redirect.
    for route in ROUTES:
        for entry in entries_for(route) or []:
            anonymous = entry.expect["anonymous"]
            if route.pattern.startswith("api/") and route.key not in PUBLIC:
                assert anonymous == ANON_API, route.key
            if route.pattern.startswith("admin/") and route.key not in PUBLIC:
                assert anonymous in (ADMIN_LOGIN, ADMIN_INDEX), route.key


def test_no_one_but_bureau_staff_is_expected_to_open_an_admin_page():
    for route in ROUTES:
        if not route.pattern.startswith("admin/") or route.key == "admin:login":
            continue
        for entry in entries_for(route) or []:
            for role in ("anonymous", "company_a", "company_b", "contractor"):
                assert entry.expect[role] != 200, (route.key, role)
