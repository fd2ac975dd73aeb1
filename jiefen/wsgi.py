"""WSGI entry point for application servers (gunicorn, granian)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
application = get_wsgi_application()
