"""Test settings: the normal settings with fast hashing and inline tasks."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("SECURE", "false")
os.environ.setdefault("DEBUG", "false")
# Test keys (the benchmark data set is built with these settings, and benchmarks/load.py reads it).
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "dGVzdC1maWVsZC1lbmNyeXB0aW9uLWtleS0tMzJieXQ=")
os.environ.setdefault("SEARCH_HASH_KEY", "test-search-hash-key-not-for-production")

from .settings import *  # noqa: E402,F403
from .settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "accounts.sms.backends.locmem.SmsBackend"
EMAIL_DELIVERY = "celery"  # tasks run inline (eager), so tests see the e-mail at once
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# Sign-ins in tests are many; keep django-axes' per-login info lines out of failure reports.
LOGGING["loggers"]["axes"] = {"level": "WARNING", "handlers": [], "propagate": True}
# The replica alias is never created or migrated by the tests: it mirrors the test database. Without
# DATABASE_REPLICA_URL it is a stand-in the router's own tests switch on (tests/config); with one
# (make scale), tests/replica_drill.py points it at the real replica's copy of the test database.
if "replica" not in DATABASES:
    DATABASES["replica"] = {**DATABASES["default"]}
DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
