"""The web worker settles its heap after loading the app, so full collections (which walk
every live object) do not pause requests to walk the framework's own objects."""

import os
import subprocess
import sys

SCRIPT = """
import gc, sys
import practicelink.wsgi
print(gc.get_freeze_count(), 'practicelink.xpm.health_views' in sys.modules)
"""


def test_the_wsgi_application_freezes_what_start_up_loaded() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "practicelink.settings"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, check=True
    )
    frozen, views_loaded = done.stdout.split()
    assert int(frozen) > 50_000  # Django, the apps, the URL conf and their views
    assert views_loaded == "True"  # the URL conf was loaded before freezing
