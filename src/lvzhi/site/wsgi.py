"""WSGI entry point (gunicorn lvzhi.site.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lvzhi.site.settings")
application = get_wsgi_application()

# Everything loaded so far (Django, the apps, templates, the engines) lives as long as the process: move it
# out of the collector's sight, so the collections that requests trigger only walk what requests allocate.
gc.freeze()
