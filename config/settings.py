"""Settings, read from the environment.

Production values fail loudly: with DEBUG off, SECRET_KEY and ALLOWED_HOSTS must be
set, or the process refuses to start. `make run` turns DEBUG on; nothing else does.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env, env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (export SECRET_KEY=... or DEBUG=1 for development)."
        )
    # Development only: with DEBUG off a real SECRET_KEY is required (above).
    SECRET_KEY = "development-only-insecure-key-do-not-use-in-production"  # noqa: S105  # nosec B105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off (comma separated).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "config.apps.RestorationAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_celery_beat",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "mines",
    "restoration",
    "notifications",
    "targets",
    "api",
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChineseFirstLocaleMiddleware",
    "api.middleware.ApiLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.middleware.UploadNameGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notices",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The API's list queries join six to eight tables; PostgreSQL spent 12-20 ms searching join
    # orders for a query that runs in about 1 ms (bench/api.py, docs/performance.md). Django writes
    # joins in foreign-key order, which is the order to keep: with join_collapse_limit=1 planning
    # takes about 1 ms. Set PG_JOIN_COLLAPSE_LIMIT=8 (PostgreSQL's default) to turn this off.
    _collapse = env_int("PG_JOIN_COLLAPSE_LIMIT", 1)
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c join_collapse_limit={_collapse}".strip()
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the laptop default: wait for the writer lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.RoleBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed log-ins: refused for a username from one address after this many within the window.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 50)
LOGIN_FAILURE_WINDOW = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
CSRF_FAILURE_VIEW = "api.views.csrf_failure"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Language and time: Chinese first, English second; stored in UTC, shown in Shanghai time.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [Path(env("LOCALE_DIR", str(BASE_DIR / "locale")))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

# Uploaded evidence lives under a private root that no URL maps to; files are served
# only by views that check the user's visible queryset.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "private_media")))


# The file system storage follows MEDIA_ROOT; a deployment on object storage replaces "evidence"
# with an S3-compatible backend here.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "evidence": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# E-mail: SMTP from the environment; the console backend for development.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@localhost")
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", "") or None  # for the file-based backend
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: Redis when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = env("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 15 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 14 * 60)
# Late acknowledgement: a task whose worker dies is delivered again; every task is safe to repeat.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The schedule lives in the database and is edited in the admin (django-celery-beat).
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
DJANGO_CELERY_BEAT_TZ_AWARE = True

# Reminders: the sweep reads deadlines in batches; a pause between batches spares a busy database.
REMINDER_SWEEP_BATCH_SIZE = env_int("REMINDER_SWEEP_BATCH_SIZE", 2000)
REMINDER_SWEEP_BATCH_PAUSE_MS = env_int("REMINDER_SWEEP_BATCH_PAUSE_MS", 0)
# Reminders: where digests go, and the links they carry.
NOTIFICATION_CHANNELS = env_list("NOTIFICATION_CHANNELS", ["notifications.channels.EmailChannel"])
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
NOTIFICATION_MESSAGE_DOMAIN = env("NOTIFICATION_MESSAGE_DOMAIN", "restoration.localhost")

CACHES = {
    "default": (
        {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is gone must cost a page half a second at most, not a hang.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
        if REDIS_URL and env_bool("CACHE_USE_REDIS", True)
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Security. With DEBUG off, HTTPS is assumed (behind a TLS-terminating proxy that sets
# X-Forwarded-Proto); `manage.py check --deploy --fail-level WARNING` is clean.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# The project's own limits.
EVIDENCE_MAX_UPLOAD_BYTES = env_int("EVIDENCE_MAX_UPLOAD_MB", 50) * 1024 * 1024
EVIDENCE_MAX_FILES_PER_REQUEST = env_int("EVIDENCE_MAX_FILES_PER_REQUEST", 20)
# A photo whose GPS position lies farther than this from its mine or site is flagged to the reviewer.
EVIDENCE_MAX_DISTANCE_KM = env_int("EVIDENCE_MAX_DISTANCE_KM", 5)
# Uploads larger than this go to a temporary file, not memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = EVIDENCE_MAX_FILES_PER_REQUEST
LIST_PAGE_SIZE = 50

# The map (/map/, docs/map.md) draws its own plain base of Shuozhou and needs no tile server. An XYZ or
# WMTS tile URL template (several separated by spaces, drawn in order, e.g. Tianditu's vec_w and
# cva_w) adds a base map; it may hold the provider's key. The browser fetches the tiles itself.
MAP_TILE_URL = env("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "")

# The REST API (/api/v1/, see docs/api.md): tokens or sessions, one error shape, throttled tokens.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "api.parsers.GuardedMultiPartParser"],
    "DEFAULT_FILTER_BACKENDS": ["api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle", "api.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("API_THROTTLE_TOKEN", "1200/min"),
        "anon": env("API_THROTTLE_ANON", "60/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "URL_FORMAT_OVERRIDE": None,
    "ORDERING_PARAM": "ordering",
    "SEARCH_PARAM": "search",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Shuozhou Mine Ecological Restoration API",
    "DESCRIPTION": (
        "Cases, evidence, inspections, restoration funds and the mine inventory of the Natural Resources "
        "Bureau of Shuozhou. Every object is scoped to the caller: what the user may not see answers 404. "
        "Authenticate with a personal token (`Authorization: Bearer <token>`, created on the profile page) "
        "or the web session. Errors are `{code, message, fields}`; messages follow `Accept-Language` "
        "(zh-hans by default, en). See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SORT_OPERATIONS": True,
    # Choice sets that share a field name ("state", "status", "kind", "level") get their own names.
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "restoration.choices.CaseKind",
        "CaseStateEnum": "restoration.choices.CaseState",
        "CaseActionEnum": "restoration.choices.Action",
        "EventKindEnum": "restoration.choices.EventKind",
        "EvidenceKindEnum": "restoration.choices.EvidenceKind",
        "ReviewStatusEnum": "restoration.choices.ReviewStatus",
        "ProposalStatusEnum": "restoration.choices.ProposalStatus",
        "FundEntryKindEnum": "restoration.choices.FundEntryKind",
        "MineralEnum": "mines.choices.Mineral",
        "MineralCategoryEnum": "mines.choices.MineralCategory",
        "MiningMethodEnum": "mines.choices.MiningMethod",
        "LicensingLevelEnum": "mines.choices.LicensingLevel",
        "ScaleEnum": "mines.choices.Scale",
        "ProductionStatusEnum": "mines.choices.ProductionStatus",
        "PlanningAreaKindEnum": "mines.choices.PlanningAreaKind",
        "DamageTypeEnum": "mines.choices.DamageType",
        "TreatmentModeEnum": "mines.choices.TreatmentMode",
        "SiteStatusEnum": "mines.choices.SiteStatus",
        "ZoneKindEnum": "mines.choices.ZoneKind",
        "ProjectStatusEnum": "mines.choices.ProjectStatus",
        "GreenMineLevelEnum": "mines.choices.GreenMineLevel",
        "GreenMineStatusEnum": "mines.choices.GreenMineStatus",
        "RoleEnum": "accounts.models.Role",
        "NoticeKindEnum": "notifications.models.ReminderKind",
    },
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.add_error_responses"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": False, "displayOperationId": False},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
}

# Shown in the page title and header.
SITE_TITLE = _("Shuozhou Mine Ecological Restoration")
