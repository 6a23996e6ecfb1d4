"""WSGI entry point, served by granian (`saferisk serve`) or gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saferisk.settings")
application = get_wsgi_application()
