"""Settings, read from the environment with safe defaults.

DATABASE_URL   database (default: SQLite file var/jiefen.sqlite3 in WAL mode)
SECRET_KEY     signing key (default: generated once and kept in var/secret_key)
FIELD_ENCRYPTION_KEY  key for parties' phone and ID numbers (default: var/field_key)
DEBUG          "1" to turn debugging on (off by default)
ALLOWED_HOSTS  comma-separated host names (default: localhost names)
JIEFEN_HTTPS   "1" (or JIEFEN_PRODUCTION=1) in production behind HTTPS: secure cookies, HSTS,
               redirect to HTTPS (the proxy must set X-Forwarded-Proto)
JIEFEN_VAR     folder for local state (default: ./var)
JIEFEN_SIGNING_*  the certificate the agreement PDFs are signed with (see _signing below)
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("JIEFEN_VAR", BASE_DIR.parent / "var")).resolve()
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _kept_secret(name: str) -> str:
    """Read a secret from var/, creating it on first use (readable by the owner only)."""
    path = VAR_DIR / name
    if not path.exists():
        # Written aside and linked into place: of processes starting together (`make run`
        # copies the static files while it migrates) the first wins, and none reads half a key.
        spare = VAR_DIR / f".{name}.{os.getpid()}"
        fd = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(spare, path)
        except FileExistsError:
            pass
        finally:
            spare.unlink()
    return path.read_text().strip()


def _env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SECRET_KEY") or _kept_secret("secret_key")
DEBUG = _env_bool("DEBUG")
ALLOWED_HOSTS = os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    # The admin without its autodiscovery at start: jiefen/urls.py loads the apps' admin
    # modules with the URLs, so a console command does not import them.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "csp",
    # Before django_tasks_db: its `db_worker` command is replaced by jiefen.ops's (time limits,
    # a clean stop on SIGTERM).
    "jiefen.ops",
    "django_tasks",
    "django_tasks_db",
    "jiefen.accounts",
    "jiefen.regions",
    "jiefen.org",
    "jiefen.calendars",
    "jiefen.rules",
    "jiefen.disputes",
    "jiefen.search",
    "jiefen.mediators",
    "jiefen.supervision",
    "jiefen.meetings",
    "jiefen.receptions",
    "jiefen.metrics",
    "jiefen.evaluation",
    "jiefen.documents",
    "jiefen.courts",
    "jiefen.appointments",
    "jiefen.spreadsheets",
    "jiefen.audit",
    "jiefen.privacy",
    "jiefen.attachments",
    "jiefen.conversations",
    "jiefen.portal",
    "jiefen.api",
    "jiefen.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "jiefen.accounts.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jiefen.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "jiefen.audit.middleware.AuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiefen.urls"
WSGI_APPLICATION = "jiefen.wsgi.application"

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
                "jiefen.supervision.context.bell",
                "jiefen.demo.context.demo_loading",
                "jiefen.org.context.nav",
            ],
            "builtins": ["jiefen.ui"],
        },
    },
]
# Every form: required fields marked for assistive technology, phone keypads (jiefen/ui.py).
FORM_RENDERER = "jiefen.ui.Renderer"

_default_sqlite = f"sqlite:///{VAR_DIR / 'jiefen.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite))}
SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
if SQLITE:
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers work while one writer commits; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue instead of failing half-way with "database is locked".
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        # How long a writer waits for the lock. Background work commits in batches of a few
        # milliseconds, so a person's write waits that long at most; past this (something
        # holding the lock far too long) the page says so and offers a retry (jiefen.ops.busy).
        "timeout": float(os.environ.get("JIEFEN_SQLITE_TIMEOUT", "5")),
    }
else:
    # Each app worker keeps its connection (a minute by default): a new one per request costs
    # a fork on the server and a cold catalogue cache (the dispute page's first query 200+ ms,
    # then 5). dj_database_url always sets both keys (to 0 and False), so they are set here, not
    # defaulted. The health check reconnects after the server restarted.
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("JIEFEN_CONN_MAX_AGE", "60"))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds rate-limit counters and spent portal challenges; it must be shared by every
# process, and a page view that counts must not wait on the database's write lock.
# - JIEFEN_REDIS_URL set (e.g. redis://127.0.0.1:6379/0; needs `pip install redis`): Redis,
#   for several application hosts.
# - SQLite: a disk cache under var/cache (diskcache: SQLite files of its own, atomic add and
#   incr across processes). A SQLite installation is one host by nature, and the counters'
#   writes then never queue behind the sweep on the main database's single write lock.
# - PostgreSQL: a table in the database (`jiefen createcachetable`), shared by every host;
#   PostgreSQL locks rows, so these small writes do not wait on background work.
REDIS_URL = os.environ.get("JIEFEN_REDIS_URL", "")
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif SQLITE:
    (VAR_DIR / "cache").mkdir(mode=0o700, exist_ok=True)
    CACHES = {
        "default": {
            "BACKEND": "diskcache.DjangoCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "SHARDS": 4,
            # Seconds a cache write waits on another process's (each takes microseconds).
            "DATABASE_TIMEOUT": 1.0,
            "OPTIONS": {"size_limit": 2**28},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "jiefen_cache",
        }
    }
# Behind a reverse proxy, the header that carries the client's address (e.g. HTTP_X_REAL_IP).
# Upload limits. A request body (without its files) over DATA_UPLOAD_MAX_MEMORY_SIZE answers
# 413 (jiefen.ops.too_big); an uploaded .xlsx is checked from its zip directory before it is
# parsed (jiefen.lib.archives: members, total unpacked size, compression ratio).
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default, stated
JIEFEN_ARCHIVE_LIMITS = {
    "max_members": 1_000,
    "max_uncompressed": 256 * 1024 * 1024,
    "max_ratio": 100,
}

RATELIMIT_IP_META_KEY = os.environ.get("RATELIMIT_IP_META_KEY") or None
# Networks of the terminals staff operate for visitors (a township service hall, a reception
# desk): the portal's online filing allows them many more filings an hour (portal/guard.py).
# Comma-separated, e.g. "10.8.0.0/24,192.168.10.20".
JIEFEN_RECEPTION_TERMINALS = [
    net.strip()
    for net in os.environ.get("JIEFEN_RECEPTION_TERMINALS", "").split(",")
    if net.strip()
]

AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses a locked-out username+address before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Argon2id (cost and why in jiefen.accounts.hashers) for new and changed passwords; the others
# still read older hashes (and upgrade them at the next sign-in).
PASSWORD_HASHERS = [
    "jiefen.accounts.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

# Sign-in throttling: after AXES_FAILURE_LIMIT wrong passwords or second-factor codes for one
# username from one address, that pair is locked out for the cool-off time.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "jiefen.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "jiefen.accounts.security.client_ip"
# Sign-ins, failures and lockouts are recorded by the audit log; axes' own log lines add nothing.
AXES_VERBOSE = False

# Second factor (TOTP with recovery codes): required for administrators and leaders (see
# jiefen.accounts.security), optional for everybody else.
OTP_TOTP_ISSUER = "jiefen"
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1

# Audit log: kept 3 years by default; below 183 days is refused (check jiefen.audit.E001).
JIEFEN_AUDIT_RETENTION_DAYS = int(os.environ.get("JIEFEN_AUDIT_RETENTION_DAYS", "1096"))
# Seconds each process's sealer gathers committed audit records before chaining them, off the
# requests (jiefen.audit.chain.Sealer); empty: every writer seals itself after its commit.
JIEFEN_AUDIT_SEAL_DELAY = (
    float(os.environ.get("JIEFEN_AUDIT_SEAL_DELAY", "0.2"))
    if os.environ.get("JIEFEN_AUDIT_SEAL_DELAY", "0.2")
    else None
)
# Reverse proxies of ours in front of the application: above 0, X-Forwarded-For is trusted for
# that many right-most hops.
JIEFEN_TRUSTED_PROXIES = int(os.environ.get("JIEFEN_TRUSTED_PROXIES", "0"))
# Key of the hash kept of usernames typed at failed sign-ins (default: SECRET_KEY).
JIEFEN_AUDIT_HASH_KEY = os.environ.get("JIEFEN_AUDIT_HASH_KEY", "")
# Parties of disputes closed this many years ago are anonymised (statistics are kept).
JIEFEN_PARTY_RETENTION_YEARS = int(os.environ.get("JIEFEN_PARTY_RETENTION_YEARS", "5"))


def _signing(environ: Any, var: Path) -> dict[str, Any] | None:
    """The certificate the agreement PDFs are signed with (jiefen.documents.signing): a PKCS#12
    file (JIEFEN_SIGNING_PKCS12), or a PEM or DER key and certificate (JIEFEN_SIGNING_KEY,
    JIEFEN_SIGNING_CERT), with the issuing CAs' certificates (JIEFEN_SIGNING_CHAIN, paths
    separated by commas) and the key's passphrase (JIEFEN_SIGNING_PASSPHRASE) if any. Without
    them, the demo's certificate in var/signing/ if `jiefen demo` made one; else None: the
    PDFs are not signed, and the documents panel says so."""
    if environ.get("JIEFEN_SIGNING_PKCS12") or environ.get("JIEFEN_SIGNING_KEY"):
        return {
            "pkcs12": environ.get("JIEFEN_SIGNING_PKCS12", ""),
            "key": environ.get("JIEFEN_SIGNING_KEY", ""),
            "cert": environ.get("JIEFEN_SIGNING_CERT", ""),
            "chain": environ.get("JIEFEN_SIGNING_CHAIN", ""),
            "passphrase": environ.get("JIEFEN_SIGNING_PASSPHRASE", ""),
        }
    demo = var / "signing"
    if all((demo / name).is_file() for name in ("committee.key", "committee.pem", "demo-ca.pem")):
        return {
            "key": str(demo / "committee.key"),
            "cert": str(demo / "committee.pem"),
            "chain": str(demo / "demo-ca.pem"),
        }
    return None


JIEFEN_SIGNING = _signing(os.environ, VAR_DIR)

# Judicial confirmation (jiefen.courts): the court interface's class by dotted path (the default
# writes each application into a folder of JIEFEN_COURT_OUTBOX for the court's clerk to collect),
# and the court offered (else the basic people's court of the dispute's county).
JIEFEN_COURT_GATEWAY = os.environ.get("JIEFEN_COURT_GATEWAY", "jiefen.courts.gateway.FolderGateway")
JIEFEN_COURT_OUTBOX = Path(os.environ.get("JIEFEN_COURT_OUTBOX", VAR_DIR / "court-outbox"))
JIEFEN_COURT_NAME = os.environ.get("JIEFEN_COURT_NAME", "")


LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]

FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY") or _kept_secret("field_key")
SALT_KEY = [FIELD_ENCRYPTION_KEY]

SESSION_COOKIE_HTTPONLY = True
# Signed out after 30 minutes without a request. Sessions stay in the database (one place for
# every process and host, ended server-side at sign-out), but a page view does not write: the
# store (jiefen.accounts.sessions) pushes the expiry forward at most once a minute, and that
# touch never waits for the write lock — if background work holds it, the touch is skipped
# and the next request a minute on makes it. Sign-out after 29–30 idle minutes.
SESSION_ENGINE = "jiefen.accounts.sessions"  # with its SessionMiddleware in MIDDLEWARE
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
PRODUCTION = not DEBUG and (_env_bool("JIEFEN_HTTPS") or _env_bool("JIEFEN_PRODUCTION"))
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = True
    # Load balancers probe the health check over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/ready)?$"]
    SECURE_HSTS_SECONDS = 31536000
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Remote sessions: the base URL of a self-hosted Jitsi Meet (https://meet.example.org), empty
# where there is none (the session then offers a phone call). A session's room is
# <base>/<prefix>-<random secret>, shown to its participants only (jiefen.appointments).
JIEFEN_JITSI_URL = os.environ.get("JIEFEN_JITSI_URL", "").rstrip("/")
JIEFEN_JITSI_ROOM_PREFIX = os.environ.get("JIEFEN_JITSI_ROOM_PREFIX", "jiefen")
_JITSI_ORIGIN = "/".join(JIEFEN_JITSI_URL.split("/")[:3]) if "://" in JIEFEN_JITSI_URL else ""

# No inline script or style anywhere: scripts and styles come from our static files only.
# "进入视频调解" is a form whose answer sends the participant on to the video server.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'", *([_JITSI_ORIGIN] if _JITSI_ORIGIN else [])],
    }
}

# One JSON object per line (LOG_FORMAT=plain for text), phone and ID numbers masked everywhere.
from jiefen.ops.logging import LOGGING  # noqa: E402, F401

# The working-day calendar covers these years; days outside raise a clear error.
JIEFEN_CALENDAR_FIRST_YEAR = 2004
JIEFEN_CALENDAR_YEARS_AHEAD = 3
LOGOUT_REDIRECT_URL = "login"

# Background work: the Django Tasks API with its database backend. `jiefen db_worker` runs the
# queue (several processes on PostgreSQL); `jiefen sweep --schedule` starts the periodic sweep.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
JIEFEN_SWEEP_INTERVAL = int(os.environ.get("JIEFEN_SWEEP_INTERVAL", "300"))
# Text messages (supervision/sms.py): "logging" (the default: nothing leaves the machine),
# "aliyun", "tencent" or a dotted path. Templates: "kind=template id" pairs, comma-separated
# (JIEFEN_SMS_TEMPLATES="red=SMS_123,order=SMS_124"). deploy/README.md tells each setting.
JIEFEN_SMS_PROVIDER = os.environ.get("JIEFEN_SMS_PROVIDER", "logging")


def _pairs(value: str) -> dict[str, str]:
    pairs = (item.partition("=") for item in value.split(",") if "=" in item)
    return {key.strip(): id_.strip() for key, _eq, id_ in pairs if key.strip() and id_.strip()}


JIEFEN_SMS = {
    "sign_name": os.environ.get("JIEFEN_SMS_SIGN_NAME", ""),
    "templates": _pairs(os.environ.get("JIEFEN_SMS_TEMPLATES", "")),
    "access_key_id": os.environ.get("JIEFEN_SMS_ACCESS_KEY_ID", ""),
    "access_key_secret": os.environ.get("JIEFEN_SMS_ACCESS_KEY_SECRET", ""),
    "app_id": os.environ.get("JIEFEN_SMS_APP_ID", ""),
    "region": os.environ.get("JIEFEN_SMS_REGION", ""),
    "endpoint": os.environ.get("JIEFEN_SMS_ENDPOINT", ""),
    "daily_cap": int(os.environ.get("JIEFEN_SMS_DAILY_CAP", "10")),
    "max_attempts": int(os.environ.get("JIEFEN_SMS_MAX_ATTEMPTS", "5")),
    "retry_seconds": int(os.environ.get("JIEFEN_SMS_RETRY_SECONDS", "60")),
    "timeout_seconds": int(os.environ.get("JIEFEN_SMS_TIMEOUT_SECONDS", "10")),
    "param_limit": int(os.environ.get("JIEFEN_SMS_PARAM_LIMIT", "20")),
    # The secret part of the address providers push delivery reports to (sms_receipts.py).
    "receipt_token": os.environ.get("JIEFEN_SMS_RECEIPT_TOKEN", ""),
}
JIEFEN_SITE_URL = os.environ.get("JIEFEN_SITE_URL", "")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
