"""Settings for the wargame kit, read from the environment (django-environ).

Every value a deployment changes comes from an environment variable (or a ``.env`` file in
the project root); the README has the table. Without ``REDIS_URL`` the kit runs embedded:
Celery eager, an in-memory channel layer and a local-memory cache, so one process serves a
whole classroom from a laptop.
"""

from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str(
    "SECRET_KEY",
    default="django-insecure-local-only-set-SECRET_KEY-in-any-real-deployment",
)
# Without DEBUG the kit may be reachable by others: sessions, messages and password resets are
# signed with this key, so the published development key (or a weak one) would let anyone
# forge them. The thresholds are Django's own (check --deploy, security.W009).
if not DEBUG and (
    SECRET_KEY.startswith("django-insecure-") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is unset, the development key or too weak, and DEBUG is off. Set "
        "SECRET_KEY to a long random value (at least 50 characters), e.g. the output of "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))', or set DEBUG=true "
        "on a development machine."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "channels",
    "csp",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "wargame.core",
    "wargame.exercises",
    "wargame.reports",
    "wargame.questionnaires",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "wargame.core.middleware.DatabaseUnavailableMiddleware",
    "wargame.exercises.deadlines.DeadlineSweeperMiddleware",
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "wargame.urls"
ASGI_APPLICATION = "wargame.asgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
if "sqlite" in DATABASES["default"]["ENGINE"]:
    # Writers queue instead of failing with "database is locked" when two save at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    options = DATABASES["default"].setdefault("OPTIONS", {})  # DATABASE_URL's, e.g. sslmode
    if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
        # Parameters bound by the server, so that a statement a connection has run five
        # times is prepared: PostgreSQL parses and plans the players' viewer query and the
        # like once per connection instead of on every request (bench/HISTORY.md, 2026-12-04).
        options.update({"server_side_binding": True, "prepare_threshold": 5})
    if env.bool("DATABASE_POOL", default=True):
        # A request gives its connection back when it ends (CONN_MAX_AGE must stay 0): the
        # pool keeps a few open, so that the next request, or a websocket's, does not
        # connect again.
        options["pool"] = {"min_size": 2, "max_size": env.int("DATABASE_POOL_SIZE", default=10)}
# SQLite tests use a file, so that a server started by a browser test sees the same data.
_test_db = BASE_DIR / "test-db.sqlite3" if "sqlite" in DATABASES["default"]["ENGINE"] else None
DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=_test_db)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
FORM_RENDERER = "wargame.core.forms.FormRenderer"

# Redis: one server carries the Celery broker and results, the channel layer and the cache.
REDIS_URL = env.str("REDIS_URL", default="")

if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "wargame.core.layers.NoticeChannelLayer",  # channels-redis's, faster
            # A browser's channel holds up to this many notifications while its consumer is
            # busy; beyond it channels-redis drops them silently (the default is 100).
            "CONFIG": {"hosts": [REDIS_URL], "capacity": env.int("CHANNEL_CAPACITY", 1000)},
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "wargame.core.cache.ForgivingRedisCache",
            "LOCATION": REDIS_URL,
            # Servers that share a Redis database but not a PostgreSQL one each need their own.
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default=""),
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CELERY_BROKER_URL = "memory://localhost/"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# A task whose worker died is delivered again after this many seconds (Redis broker).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600)
}
# Decision-support simulations wait in a queue of their own, so that a turn's adjudication
# does not wait behind a class's worth of them; the Procfile gives each queue a worker.
# A worker of the previews queue alone runs below every other process (wargame/celery.py).
PREVIEWS_QUEUE = "previews"
CELERY_TASK_QUEUES = (Queue("celery"), Queue(PREVIEWS_QUEUE))
CELERY_TASK_ROUTES = {"wargame.exercises.tasks.estimate_preview": {"queue": PREVIEWS_QUEUE}}
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 3600
# Without Celery beat (embedded mode), a timer thread in the web process sweeps deadlines.
DEADLINE_SWEEPER_THREAD = env.bool("DEADLINE_SWEEPER_THREAD", default=True)
CELERY_BEAT_SCHEDULE = {
    "lock-expired-turns": {
        "task": "wargame.exercises.tasks.lock_expired_turns",
        "schedule": env.float("DEADLINE_SWEEP_SECONDS", default=3.0),
    },
}

# Behind a proxy that terminates TLS, set SECURE_PROXY_SSL_HEADER=true.
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Sessions are read from the cache on every request and kept in the database as well, so a
# Redis restart signs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# No inline script anywhere. Inline styles are allowed: the SVG charts carry their own.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# /healthz answers its detailed checks to this machine, and elsewhere only to requests with
# "Authorization: Bearer <HEALTHZ_TOKEN>" (unset: no token is accepted).
HEALTHZ_TOKEN = env.str("HEALTHZ_TOKEN", default="")

# Join codes resist guessing: attempts are counted per address and per exercise in the
# shared cache (Redis in a deployment).
RATELIMIT_VIEW = "wargame.exercises.views.players.too_many_attempts"
# A whole class may share one address (a school's NAT): joining takes a student about three
# requests. Guessing one of 32**8 codes at this pace stays hopeless.
JOIN_RATE_PER_ADDRESS = env.str("JOIN_RATE_PER_ADDRESS", default="120/m")
JOIN_RATE_PER_EXERCISE = env.str("JOIN_RATE_PER_EXERCISE", default="120/m")
# While the cache is unreachable (Redis restarting), joining keeps working unthrottled.
RATELIMIT_FAIL_OPEN = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"celery.app.trace": {"level": "WARNING"}},
}
