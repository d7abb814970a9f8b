"""Test settings: the app's settings with test mode on and a throw-away data folder."""

import os
import tempfile
import uuid

os.environ.setdefault("PRACTICELINK_TESTING", "1")
os.environ.setdefault("PRACTICELINK_DATA_DIR", tempfile.mkdtemp(prefix="practicelink-test-"))
# Each test process its own queue and limiter keys, also when they share one Redis.
os.environ.setdefault("HUEY_QUEUE_NAME", f"practicelink-test-{uuid.uuid4().hex[:12]}")

from practicelink.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not shared-cache memory: WAL and the busy timeout then hold for threads too,
    # as in production (tests run two workers of the sync at once).
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
