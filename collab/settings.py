"""Settings for Collab, read from the environment.

Nothing set is production: DEBUG is off, so SECRET_KEY, ALLOWED_HOSTS, SITE_URL and a shared
cache (CACHE_URL) must be set, and collab/checks.py refuses to start without them (README,
"Deploying"). `make demo` sets DEBUG=1: SQLite in the project folder, tasks in-process.
"""

from pathlib import Path

import dj_database_url

from collab.env import env_bool, env_int, env_list, env_seconds, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# Off unless set: a deployment that forgets it must not show settings on its error pages.
DEBUG = env_bool("DEBUG", default=False)
_DEV_SECRET = "dev-only-secret-key-not-for-production-use-0123456789abcdefghijklmnop"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ValueError(
        "SECRET_KEY must be set when DEBUG is off (see .env.example); "
        "for a demo on this machine, set DEBUG=1 or run `make demo`"
    )
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "collab.apps.PlatformAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "crispy_forms",
    "crispy_forms_gds",
    "surveys",
    "results",
    "officers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "collab.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Which second factor (if any) this session was verified with, then: officers' sessions
    # end after a working day or when idle; accounts that need two-factor see only its pages
    # until it is done (officers/two_factor.py).
    "django_otp.middleware.OTPMiddleware",
    "officers.sessions.OfficerSessionMiddleware",
    "officers.two_factor.TwoFactorMiddleware",
    # Every request runs in a council scope (surveys.tenancy): no query of a council's data
    # can run without one.
    "surveys.tenancy.CouncilScopeMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "collab.ratelimit.RateLimitMiddleware",
    "collab.resilience.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "collab.urls"
WSGI_APPLICATION = "collab.wsgi.application"

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
                "officers.context_processors.findings_link",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent demo requests (and the in-process tasks they trigger) wait for
    # the write lock instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate limits and login lockouts count in the cache, so every web process must share it:
# Redis in production (CACHE_URL or REDIS_URL); one process's memory when nothing is set, which
# collab/checks.py refuses unless DEBUG is on.
_CACHE_URL = env_str("CACHE_URL", env_str("REDIS_URL", ""))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _CACHE_URL,
            "KEY_PREFIX": "collab",
        }
        if _CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "collab"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# In development static files are served from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "media/"

# Export files (collab/storage.py): under MEDIA_ROOT on this machine unless a bucket is named;
# then in that private bucket on an S3-compatible server (AWS, or a council's own object
# storage with EXPORT_STORAGE_ENDPOINT_URL), where every web host finds what any worker built.
# Downloads always go through the officer's permission-checked view: no URL to the bucket is
# ever made or shown. Without keys, boto3 finds credentials itself (an instance role, ~/.aws).
_EXPORT_BUCKET = env_str("EXPORT_STORAGE_BUCKET", "")
_EXPORT_ENDPOINT = env_str("EXPORT_STORAGE_ENDPOINT_URL", "")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "exports": (
        {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": _EXPORT_BUCKET,
                "endpoint_url": _EXPORT_ENDPOINT or None,
                "region_name": env_str("EXPORT_STORAGE_REGION", "") or None,
                "access_key": env_str("EXPORT_STORAGE_ACCESS_KEY_ID", "") or None,
                "secret_key": env_str("EXPORT_STORAGE_SECRET_ACCESS_KEY", "") or None,
                # Servers other than AWS's name buckets in the path, not the host name.
                "addressing_style": "path" if _EXPORT_ENDPOINT else None,
                # No ACL sent: objects are private to the bucket's owner, as S3 makes them
                # (and servers that refuse ACLs accept that). The bucket itself must be private.
                "default_acl": None,
                "querystring_auth": True,  # a URL, if one were ever made, would need a key
                "file_overwrite": False,
                # A download is read through a temporary file: past this, on disk, not memory.
                "max_memory_size": 2 * 1024 * 1024,
            },
        }
        if _EXPORT_BUCKET
        else {"BACKEND": "collab.storage.DurableFileSystemStorage"}
    ),
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/officer/"

# Two-factor sign-in (officers/two_factor.py): the name authenticator apps show.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Collab")
# A device a person signed in from is remembered for this long (collab/ratelimit.py): while
# their account is locked to everyone else, they can still sign in from it.
KNOWN_DEVICE_COOKIE_AGE = env_seconds("KNOWN_DEVICE_COOKIE_AGE", 90 * 24 * 3600)

CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

# Residents' answers in progress live on the response row, not in the session;
# the session only remembers which response this browser is filling in: a day is long enough
# to finish, and the code to continue covers the rest (a shared computer forgets them sooner).
SESSION_COOKIE_AGE = env_seconds("RESIDENT_SESSION_AGE", 24 * 3600)
# A signed-in person's session ends a working day after they signed in, and after half an hour
# without a request (officers/sessions.py).
OFFICER_SESSION_MAX_AGE = env_seconds("OFFICER_SESSION_MAX_AGE", 8 * 3600)
OFFICER_SESSION_IDLE_TIMEOUT = env_seconds("OFFICER_SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

# Larger bodies than a questionnaire page needs are refused before any view runs.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 400

_BROKER = env_str("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not _BROKER
# In-process tasks never touch a broker; naming the in-memory transport keeps Celery from
# looking for one on localhost.
CELERY_BROKER_URL = _BROKER or "memory://localhost/"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task is acknowledged only once it has run (acks_late above). If the whole worker dies with
# it (its machine or container is lost), Redis gives the task to another worker only after this
# many seconds, when that worker starts or next sweeps (about every 100 seconds). Every task is
# safe to receive twice (an export holds a lease while it is built, e-mail batches claim each
# invitee, weighting and report refreshes are idempotent), so a timeout shorter than the longest
# task costs only deliveries that find nothing to do; an hour keeps those rare.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_seconds("CELERY_BROKER_VISIBILITY_TIMEOUT", 3600),
}
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _BROKER or "cache+memory://")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# After responses change, a task computes the officers' default report and dashboard into the
# cache, so the first officer to look finds them ready. With tasks in-process (no broker) that
# work would run inside the resident's submission and hold up their thank-you page, so by
# default it is left to the officer's next page view, which computes what it needs.
OFFICER_REPORT_PREWARM = env_bool("OFFICER_REPORT_PREWARM", default=bool(_BROKER))

# Disclosure control (results.disclosure): the smallest count any page or export shows, the k
# that one-row-per-respondent files reach on their quasi-identifiers, and how long export
# files are kept before the hourly tidy deletes them.
DISCLOSURE_THRESHOLD = env_int("DISCLOSURE_THRESHOLD", 10)
MICRODATA_K = env_int("MICRODATA_K", 5)
EXPORT_RETENTION_DAYS = env_int("EXPORT_RETENTION_DAYS", 30)
# How long a worker building an export holds it without being heard of (it renews every fifth of
# this): past it, the build is taken to be lost with its worker and another delivery takes over.
EXPORT_LEASE_SECONDS = env_seconds("EXPORT_LEASE_SECONDS", 300)

# E-mail: "console" (the default: printed, nothing sent), "smtp" (EMAIL_HOST and the rest)
# or "notify" (GOV.UK Notify: NOTIFY_API_KEY and NOTIFY_EMAIL_TEMPLATE_ID, see surveys/mail.py),
# or any backend's dotted path.
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "notify": "surveys.mail.NotifyEmailBackend",
}
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "console")
EMAIL_BACKEND = _EMAIL_BACKENDS.get(EMAIL_BACKEND, EMAIL_BACKEND)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
NOTIFY_API_KEY = env_str("NOTIFY_API_KEY", "")
NOTIFY_EMAIL_TEMPLATE_ID = env_str("NOTIFY_EMAIL_TEMPLATE_ID", "")
NOTIFY_BASE_URL = env_str("NOTIFY_BASE_URL", "")
NOTIFY_REPLY_TO_IDS = env_str("NOTIFY_REPLY_TO_IDS", "")
# The address e-mails come from; the council's sender name is put before it.
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "surveys@collab.example")
# The key invitation codes are derived with (surveys/invitations.py). Changing it changes every
# code not yet used, so set it once; empty: SECRET_KEY.
INVITATION_CODE_KEY = env_str("INVITATION_CODE_KEY", "")
# Where residents answer: printed on letters and in invitation e-mails, which are built
# outside any request (a Celery task), so the address cannot come from the request.
# Required when DEBUG is off (collab/checks.py refuses a missing or loopback address).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000" if DEBUG else "")

# The scheduled jobs (collab/schedule.py): run by `celery -A collab beat` next to the workers
# when there is a broker; with none, by a thread of `runserver` (SCHEDULE_IN_PROCESS) or by
# `manage.py run_scheduled_jobs` (cron). Each is also a command of its own.
CELERY_BEAT_SCHEDULE = {
    "close-due-surveys": {"task": "surveys.tasks.survey_close_due", "schedule": 300.0},
    "send-scheduled-reminders": {
        "task": "surveys.tasks.send_scheduled_reminders",
        "schedule": 60.0,
    },
    "apply-retention": {"task": "surveys.tasks.apply_retention", "schedule": 24 * 3600.0},
    "reweight-stale-surveys": {"task": "results.reweight_stale_surveys", "schedule": 600.0},
    "tidy-exports": {"task": "officers.tidy_exports", "schedule": 3600.0},
    "delete-stale-in-progress": {
        "task": "surveys.delete_stale_in_progress",
        "schedule": 24 * 3600.0,
    },
}

SCHEDULE_IN_PROCESS = env_bool("SCHEDULE_IN_PROCESS", default=DEBUG and not _BROKER)

# Unfinished responses untouched for this many days are deleted (a survey may set its own).
IN_PROGRESS_RESPONSE_DAYS = env_int("IN_PROGRESS_RESPONSE_DAYS", 30)

# The start challenge a survey may switch on (surveys/challenge.py). The browser derives as
# many PBKDF2 keys of START_CHALLENGE_COST iterations as a counter picked at random in
# START_CHALLENGE_COUNTER (about a second on a computer); a challenge expires after
# START_CHALLENGE_EXPIRES_SECONDS. Without JavaScript a resident waits
# START_CHALLENGE_WAIT_SECONDS instead. The HMAC key is derived from SECRET_KEY unless set.
START_CHALLENGE_COST = env_int("START_CHALLENGE_COST", 1000)
START_CHALLENGE_COUNTER = (
    env_int("START_CHALLENGE_COUNTER_MIN", 1000),
    env_int("START_CHALLENGE_COUNTER_MAX", 4000),
)
START_CHALLENGE_EXPIRES_SECONDS = env_int("START_CHALLENGE_EXPIRES_SECONDS", 600)
START_CHALLENGE_WAIT_SECONDS = env_int("START_CHALLENGE_WAIT_SECONDS", 30)
START_CHALLENGE_HMAC_KEY = env_str("START_CHALLENGE_HMAC_KEY", "")

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # The load balancer asks these over plain HTTP on the private network (deploy/).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^ready$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "collab.views.csrf_failure"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True

# Rate limits (collab/ratelimit.py). Behind a load balancer set TRUSTED_PROXIES to the number
# of proxies that append to X-Forwarded-For, so the client's own address is counted. Forwarded
# headers are believed only from a peer inside TRUSTED_PROXY_NETWORKS (by default loopback and
# private networks, where load balancers sit): a client reaching the port directly is counted
# by its own address whatever X-Forwarded-For it sends.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
TRUSTED_PROXY_NETWORKS = env_list(
    "TRUSTED_PROXY_NETWORKS",
    ["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
)
if TRUSTED_PROXIES:
    # The proxy terminates TLS and says so; without a trusted proxy nobody may say so.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
