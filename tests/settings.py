"""Test settings: the app's settings with test mode on and a throw-away data folder."""

import os
import tempfile

os.environ.setdefault("PRACTICELINK_TESTING", "1")
os.environ.setdefault("PRACTICELINK_DATA_DIR", tempfile.mkdtemp(prefix="practicelink-test-"))

from practicelink.settings import *  # noqa: F403
