"""WSGI entry point, used by gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()

# Everything loaded at start-up (Django, the URLconf, the templates' code) moves out of the
# garbage collector's reach: its full collections then scan only what requests make, which
# was most of the API feed's p95 tail (docs/PERFORMANCE.md, issue 13).
gc.freeze()
