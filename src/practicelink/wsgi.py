"""WSGI entry point (gunicorn serves it in `practicelink run`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "practicelink.settings")
application = get_wsgi_application()

from practicelink import heap  # noqa: E402 - needs Django set up

heap.settle()
