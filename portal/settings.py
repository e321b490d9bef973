"""One settings module for every mode, driven by environment variables.

Embedded mode (nothing set, `make run`): SQLite file in `var/`, Celery tasks run in-process, e-mail to
the console, secrets generated once into `var/`. Production / CI: set `DATABASE_URL` (PostgreSQL),
`CELERY_BROKER_URL` (Redis or RabbitMQ), `SECRET_KEY`, `BID_SEALING_KEY`, `ALLOWED_HOSTS`, `HTTPS=1`
and the `EMAIL_*` variables. The README lists every variable.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from portal.env import env_bool, env_int, env_list, env_str, secret_from_env_or_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

# --- Core -------------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY, SECRET_KEY_GENERATED = secret_from_env_or_file("SECRET_KEY", VAR_DIR / "secret_key")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Key material from which the tender exchange derives a per-tender key to seal bids. It must never
# be stored in the database; every web and worker process of a deployment needs the same value.
BID_SEALING_KEY, BID_SEALING_KEY_GENERATED = secret_from_env_or_file("BID_SEALING_KEY", VAR_DIR / "bid_sealing_key")

# Key of the HMAC under which resident identity numbers are kept (registry/resident_id.py). Losing
# it makes stored identities unmatchable; it must be the same on every machine.
PERSON_ID_HASH_KEY, PERSON_ID_HASH_KEY_GENERATED = secret_from_env_or_file(
    "PERSON_ID_HASH_KEY", VAR_DIR / "person_id_hash_key"
)

# Prefix of every OCDS identifier (ocid) the portal publishes; register a real one for production.
OCID_PREFIX = env_str("OCID_PREFIX", "ocds-cn0000")
# The portal's public address, for absolute links in open data and feeds (OCDS document URLs,
# Atom entries) produced outside a request.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "portal",
    "portal.accounts",
    "portal.audit",
    "portal.idempotency",
    "portal.notifications",
    "registry",
    "registry.talent",
    "registry.bases",
    "registry.institutions",
    "registry.showcase",
    "registry.imports",
    "marketplace",
    "vouchers",
    "monitoring",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # Prepared statements for `portal.prepared` only (the redemption's statements, whose
        # planning costs several times their running): Django binds its own statements on the
        # client, and those are never prepared, so the threshold below is never reached by
        # them. Each prepared statement is planned once (generic plan), not at every execution.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"prepare_threshold": 2**31 - 1, "options": "-c plan_cache_mode=force_generic_plan"}
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "portal.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN, the closest SQLite has to row locks.
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and permissions -----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = "AnonymousUser"
GUARDIAN_RAISE_403 = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- Internationalisation and time ------------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"  # shown to users; stored in UTC
USE_TZ = True

# --- Static files -----------------------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# Front-end packages come from the npm registry (package-lock.json); `make assets` copies the few
# built files the pages use into static/vendor/ (not committed).
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"

# --- Security ---------------------------------------------------------------------------------

HTTPS = env_bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "portal.error_pages.csrf_failure"
# Pages may load only what this server serves: government networks are often closed.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)
# Largest request body (non-file part) accepted by pages and the API, in bytes.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2 * 1024 * 1024)

# --- E-mail -----------------------------------------------------------------------------------

EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@annotation-portal.localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
# Without a broker (embedded mode) tasks run in-process, when they are queued.
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "audit-chain-verify": {
        "task": "portal.audit.tasks.audit_chain_verify_task",
        "schedule": 24 * 60 * 60,
    },
    "idempotency-records-prune": {
        "task": "portal.idempotency.tasks.idempotency_records_prune_task",
        "schedule": 60 * 60,
    },
    # Opens tenders whose bid deadline has passed; every few seconds so that an opening follows its
    # deadline closely. The sweep is cheap when nothing is due (one indexed query).
    "tender-deadline-sweep": {
        "task": "marketplace.tasks.tenders_open_due_task",
        "schedule": env_int("TENDER_SWEEP_SECONDS", 15),
    },
    # Reminds both parties of contracts unsigned a week before their 30-day signing limit.
    "contract-signing-reminders": {
        "task": "marketplace.tasks.contracts_remind_unsigned_task",
        "schedule": 60 * 60,
    },
}

# --- Idempotency ------------------------------------------------------------------------------

# How long a stored response answers a retried request with the same Idempotency-Key.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 7 * 24)

# --- Demo data --------------------------------------------------------------------------------

# seed_demo creates users with a published password: allowed by default only in embedded mode.
DEMO_DATA_ALLOWED = env_bool("DEMO_DATA_ALLOWED", default=not DATABASE_URL)

# --- API --------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    # Token first, so that an anonymous request is answered 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["portal.api.parsers.LimitedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exceptions.exception_handler",
    "PAGE_SIZE": 20,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "National data-annotation public-service portal API",
    "DESCRIPTION": (
        "Tenders, registry, vouchers and monitoring of the data-annotation industry. Errors answer "
        '`{"code", "message", "fields"}`; POSTs that create accept an `Idempotency-Key` header.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per vocabulary, however many serializer fields use it.
    "ENUM_NAME_OVERRIDES": {
        "VerificationStatusEnum": "registry.models.VerificationStatus",
        "RegionLevelEnum": "registry.models.RegionLevel",
        "RoleEnum": "registry.roles.Role",
        "ModalityEnum": "registry.taxonomy.Modality",
        "SectorEnum": "registry.taxonomy.Sector",
        "SkillLevelEnum": "registry.talent.models.SkillLevel",
        "CertificateStatusEnum": "registry.talent.models.CertificateStatus",
        "ExpertStatusEnum": "registry.talent.models.ExpertStatus",
        "EmploymentRoleEnum": "registry.talent.models.EmploymentRole",
        "OccupationEnum": "registry.talent.models.Occupation",
        "NeedStatusEnum": "registry.institutions.models.NeedStatus",
        "ProcedureEnum": "marketplace.procedures.Procedure",
        "AcceptanceKindEnum": "marketplace.models.AcceptanceKind",
        "DeliveryFormatEnum": "marketplace.models.DeliveryFormat",
        "DeliveryStateEnum": "marketplace.models.DeliveryState",
        "DecisionEnum": "marketplace.models.Decision",
        "PaymentMethodEnum": "marketplace.models.PaymentMethod",
        "PaymentStateEnum": "marketplace.models.PaymentState",
        "PaymentEntryKindEnum": "marketplace.models.EntryKind",
        # Keeps the organisation kinds' component name now that acceptance plans have a `kind` too.
        "KindEnum": "registry.roles.OrganisationKind",
        "EvaluationMethodEnum": "marketplace.procedures.EvaluationMethod",
        "TenderStateEnum": "marketplace.states.TenderState",
        "LotStateEnum": "marketplace.models.LotState",
        "BidStateEnum": "marketplace.models.BidState",
        "OpennessEnum": "marketplace.models.Openness",
        "VolumeUnitEnum": "marketplace.models.VolumeUnit",
        "AcceptanceQualityLimitEnum": "marketplace.models.tenders.AcceptanceQualityLimit",
        "MemberStateEnum": "marketplace.models.MemberState",
        "ChallengeStateEnum": "marketplace.models.ChallengeState",
        "ContractStateEnum": "marketplace.models.ContractState",
        "MilestoneStateEnum": "marketplace.models.MilestoneState",
    },
}

# --- Logging ----------------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # A line per task run is noise in embedded mode, where tasks run inside the web process (and
    # the demo seed runs ~100); CELERY_TRACE_LOG_LEVEL=INFO brings the lines back for a worker.
    "loggers": {
        "celery.app.trace": {"level": env_str("CELERY_TRACE_LOG_LEVEL", "WARNING")},
        # fpdf2's font subsetting logs every table it writes at INFO (acceptance report PDFs).
        "fontTools": {"level": "WARNING"},
        # The stripe library logs every request at INFO; failures reach us as exceptions anyway.
        "stripe": {"level": "WARNING"},
    },
}

# --- Registry import --------------------------------------------------------------------------

# Bulk import of organisations, people and certificates (registry/imports). A file larger than
# IMPORT_MAX_BYTES is refused before it is read; an XLSX workbook (a zip) is refused when its members
# would expand beyond IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES in total or any member is compressed more
# than IMPORT_XLSX_MAX_COMPRESSION_RATIO times (a zip bomb). Uploads wait in MEDIA_ROOT/imports/
# until their job has run, then are deleted: with a broker, web and worker processes must share
# MEDIA_ROOT.
IMPORT_MAX_BYTES = env_int("IMPORT_MAX_BYTES", 50 * 1024 * 1024)
IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES", 512 * 1024 * 1024)
IMPORT_XLSX_MAX_COMPRESSION_RATIO = env_int("IMPORT_XLSX_MAX_COMPRESSION_RATIO", 100)
# At most this many row errors are kept per import (the report says how many more there were).
IMPORT_MAX_ERRORS = env_int("IMPORT_MAX_ERRORS", 100_000)
# A job whose progress has not moved for this long is taken to be abandoned by a dead worker; a
# redelivered task may then start it again.
IMPORT_STALE_AFTER_SECONDS = env_int("IMPORT_STALE_AFTER_SECONDS", 15 * 60)

# --- Cache ------------------------------------------------------------------------------------

# A Redis URL gives every web process one shared cache (production); without it each process keeps
# its own in memory.
CACHE_URL = env_str("CACHE_URL")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Tender exchange --------------------------------------------------------------------------

# A bid's technical documents are sealed together with its price; their total size is capped so that
# a sealed bid stays a reasonable database value.
BID_DOCUMENTS_MAX_BYTES = env_int("BID_DOCUMENTS_MAX_BYTES", 20 * 1024 * 1024)
# Tender documents the agency publishes (stored in MEDIA_ROOT/tenders/).
TENDER_DOCUMENT_MAX_BYTES = env_int("TENDER_DOCUMENT_MAX_BYTES", 50 * 1024 * 1024)
# An opening that has not finished this long after it started (a lost task) is queued again by the
# deadline sweep.
TENDER_OPENING_RETRY_SECONDS = env_int("TENDER_OPENING_RETRY_SECONDS", 5 * 60)
# How long an anonymous visitor's tender search page is served from the cache (0: never); any
# change to a public tender invalidates it sooner (marketplace/listing_cache.py).
TENDER_LIST_CACHE_SECONDS = env_int("TENDER_LIST_CACHE_SECONDS", 60)
# The OCDS 1.1 schema package the open-data tests validate against (offline, with libcoveocds).
OCDS_STANDARD_ZIP = env_str("OCDS_STANDARD_ZIP", str(BASE_DIR.parent / "shared" / "ocds" / "standard-1__1__5.zip"))

# --- Delivery acceptance ----------------------------------------------------------------------

# A delivery larger than ACCEPTANCE_DELIVERY_MAX_BYTES is refused while it arrives; a gold set is
# read at upload, so it is kept smaller. A zip archive (holding exactly one data file) is refused
# before it is read when it would expand beyond ACCEPTANCE_ZIP_MAX_UNCOMPRESSED_BYTES or a member
# is compressed more than ACCEPTANCE_ZIP_MAX_RATIO times (a zip bomb).
ACCEPTANCE_DELIVERY_MAX_BYTES = env_int("ACCEPTANCE_DELIVERY_MAX_BYTES", 512 * 1024 * 1024)
ACCEPTANCE_GOLD_MAX_BYTES = env_int("ACCEPTANCE_GOLD_MAX_BYTES", 64 * 1024 * 1024)
ACCEPTANCE_ZIP_MAX_UNCOMPRESSED_BYTES = env_int("ACCEPTANCE_ZIP_MAX_UNCOMPRESSED_BYTES", 4 * 1024 * 1024 * 1024)
ACCEPTANCE_ZIP_MAX_RATIO = env_int("ACCEPTANCE_ZIP_MAX_RATIO", 100)
# A scoring whose progress has not moved for this long is taken to be abandoned by a dead worker;
# a redelivered task may then start it again.
ACCEPTANCE_SCORING_STALE_SECONDS = env_int("ACCEPTANCE_SCORING_STALE_SECONDS", 15 * 60)
# The TrueType font the acceptance report PDF embeds (a subset of it), so that Chinese renders in
# any PDF reader; installed from the npm registry by `make assets`.
ACCEPTANCE_PDF_FONT = env_str(
    "ACCEPTANCE_PDF_FONT", str(BASE_DIR / "static" / "vendor" / "fonts" / "NotoSansSC-Regular.ttf")
)

# --- Payments ---------------------------------------------------------------------------------

# Enterprise orders are paid by card through Stripe (marketplace/payments/gateway.py is the only
# code that talks to it). Keys come from the environment only; without STRIPE_SECRET_KEY the card
# path answers "payments unavailable". STRIPE_API_BASE points the client elsewhere (localstripe in
# tests). The API version is pinned: webhooks of another version are refused.
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
STRIPE_API_VERSION = env_str("STRIPE_API_VERSION", "2026-10-28.endive")
# Retries the library makes itself on a network error, before the portal's own retry with backoff.
STRIPE_MAX_NETWORK_RETRIES = env_int("STRIPE_MAX_NETWORK_RETRIES", 2)
# How old a webhook's signature timestamp may be (Stripe's default tolerance).
STRIPE_WEBHOOK_TOLERANCE_SECONDS = env_int("STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300)
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "marketplace.tasks.payments_reconcile_task",
    "schedule": 24 * 60 * 60,
}

# --- Vouchers ---------------------------------------------------------------------------------

# Evidence attached to voucher applications and settlement claims (stored in MEDIA_ROOT/vouchers/).
VOUCHER_EVIDENCE_MAX_BYTES = env_int("VOUCHER_EVIDENCE_MAX_BYTES", 10 * 1024 * 1024)
# Expires the vouchers whose last valid day has passed, returning their balances to the budget.
CELERY_BEAT_SCHEDULE["vouchers-expire"] = {
    "task": "vouchers.tasks.vouchers_expire_task",
    "schedule": 60 * 60,
}

# --- Statistical direct reports (统计直报, monitoring.reports) -------------------------------------

# A quarter's report is due this many days after the quarter ends (Chinese statistical practice:
# quarterly direct reports close on the 15th of the following month); submitted on the due day
# (Asia/Shanghai) is on time.
STATISTICAL_REPORT_DUE_DAYS = env_int("STATISTICAL_REPORT_DUE_DAYS", 15)
# Staff of organisations that have not submitted are reminded this many days before the due day.
STATISTICAL_REPORT_REMIND_DAYS = env_int("STATISTICAL_REPORT_REMIND_DAYS", 5)
# Anomaly flags: a figure at least this many times its previous quarter's, or at most 1/this.
STATISTICAL_REPORT_JUMP_FACTOR = env_int("STATISTICAL_REPORT_JUMP_FACTOR", 10)
# Anomaly flag: revenue more than this many times what the portal's contracts paid or signed in
# the quarter (only when the portal knows some of the organisation's business); 0 turns it off.
STATISTICAL_REPORT_PORTAL_FACTOR = env_int("STATISTICAL_REPORT_PORTAL_FACTOR", 100)
STATISTICAL_REPORT_HEADCOUNT_MAX = env_int("STATISTICAL_REPORT_HEADCOUNT_MAX", 200_000)
CELERY_BEAT_SCHEDULE["statistical-reports-remind"] = {
    "task": "monitoring.reports.tasks.statistical_reports_remind_task",
    "schedule": 6 * 60 * 60,
}

# --- Red flags (monitoring/redflags) -------------------------------------------------------------

# Thresholds of the red-flag indicators, after the ideas of OCDS Cardinal's indicators (not its
# code); read when a computation starts (monitoring.redflags.flags.thresholds_from_settings).
#
# RED_FLAG_SHORT_PERIOD_DAYS: per procedure, a bid period (publication → deadline) shorter than this
#   many days is flagged (Cardinal R003). The exchange refuses periods under the legal minimum
#   (20 / 10 / 3 days, marketplace/procedures.py), so the defaults sit two days (one for a request for
#   quotation) above it: bidders had barely the minimum to prepare, a pattern of tailored tenders.
# RED_FLAG_CLOSE_PRICE_BP: the winning price within this many basis points of the next lowest
#   qualified bid is flagged (Cardinal R024; 50 = 0.5 %): losing bids priced just above the winner
#   suggest cover bidding.
# RED_FLAG_DISCOUNT_BP: a winning price at least this many basis points under the lot's budget is
#   flagged (Cardinal R058 measures against the second bid; the budget is the buyer's own estimate;
#   5,000 = half the budget): an abnormally low price, often recovered later through changes.
# RED_FLAG_BUYER_DISQUALIFICATION_FACTOR: a buyer whose share of disqualified bids exceeds this
#   multiple of the rest of the exchange's share is flagged (Cardinal R038, with a fixed factor
#   instead of its outlier test); 2 = twice the norm.
# RED_FLAG_BUYER_MIN_TENDERS: ... but only over at least this many decided tenders of the buyer, so
#   that one unlucky tender does not make a pattern.
RED_FLAG_SHORT_PERIOD_DAYS = {
    "open_tender": env_int("RED_FLAG_SHORT_PERIOD_DAYS_OPEN_TENDER", 22),
    "competitive_negotiation": env_int("RED_FLAG_SHORT_PERIOD_DAYS_COMPETITIVE_NEGOTIATION", 12),
    "request_for_quotation": env_int("RED_FLAG_SHORT_PERIOD_DAYS_REQUEST_FOR_QUOTATION", 4),
}
RED_FLAG_CLOSE_PRICE_BP = env_int("RED_FLAG_CLOSE_PRICE_BP", 50)
RED_FLAG_DISCOUNT_BP = env_int("RED_FLAG_DISCOUNT_BP", 5_000)
RED_FLAG_BUYER_DISQUALIFICATION_FACTOR = env_str("RED_FLAG_BUYER_DISQUALIFICATION_FACTOR", "2")
RED_FLAG_BUYER_MIN_TENDERS = env_int("RED_FLAG_BUYER_MIN_TENDERS", 5)
# Nightly: the computation reads every tender past its bid period (five queries per 500 tenders).
CELERY_BEAT_SCHEDULE["red-flags-compute"] = {
    "task": "monitoring.redflags.tasks.red_flags_compute_task",
    "schedule": 24 * 60 * 60,
}

# --- Industry growth (monitoring.growth) --------------------------------------------------------

# The year growth is measured from (the policy's year) and the target annual growth in basis
# points (over 20 % a year to 2027); read by monitoring.growth.base_year() / growth_target().
MONITORING_BASE_YEAR = env_int("MONITORING_BASE_YEAR", 2024)
MONITORING_GROWTH_TARGET_BP = env_int("MONITORING_GROWTH_TARGET_BP", 2000)

# --- Open data (the public monitoring summary) --------------------------------------------------

# The licence the public summary and its CSV are published under (Creative Commons Attribution 4.0:
# anyone may reuse the figures, naming the portal as the source). Shown in the JSON, in every row
# of the open-data CSV and on the public page.
OPEN_DATA_LICENCE_NAME = env_str("OPEN_DATA_LICENCE_NAME", "CC BY 4.0")
OPEN_DATA_LICENCE_URL = env_str("OPEN_DATA_LICENCE_URL", "https://creativecommons.org/licenses/by/4.0/")

# --- Rollups (monitoring/rollups) ----------------------------------------------------------------

# Events write deltas; this folds them into the facts every minute.
CELERY_BEAT_SCHEDULE["rollups-fold"] = {
    "task": "monitoring.rollups.tasks.rollups_fold_task",
    "schedule": 60,
}
# Nightly: verify the facts against the source tables (differences logged), then rebuild them.
CELERY_BEAT_SCHEDULE["rollups-nightly"] = {
    "task": "monitoring.rollups.tasks.rollups_nightly_task",
    "schedule": 24 * 60 * 60,
}
