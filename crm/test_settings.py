"""Settings for the test suite: the real settings with test-only conveniences.

Tests run against whatever DATABASE_URL / REDIS_URL say (Postgres and Redis in CI and `make test`).
"""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")

from crm.settings import *  # noqa: F403
from crm.settings import CHANNEL_LAYERS, REDIS_URL

ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
os.makedirs(STATIC_ROOT, exist_ok=True)  # noqa: F405
MEDIA_ROOT = os.path.join("/tmp", f"kolo-test-media-{os.getpid()}")

# Parallel test runs (pytest-xdist workers, or several checkouts on one machine via KOLO_TEST_NAME)
# share one Redis: keep their groups, keys and Celery queues apart.
_worker = os.environ.get("PYTEST_XDIST_WORKER") or os.environ.get("KOLO_TEST_NAME", "main")
CELERY_TASK_DEFAULT_QUEUE = f"kolotest-{_worker}"
if REDIS_URL:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"kolotest-{_worker}"
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"kolotest-{_worker}",
        }
    }
# Most tests exercise services synchronously; tests of the real broker start a worker themselves.
CELERY_TASK_ALWAYS_EAGER = True
