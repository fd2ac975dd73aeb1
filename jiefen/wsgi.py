"""WSGI entry point for application servers (gunicorn, granian).

Every view module is loaded here, through the URL configuration, rather than on a worker's
first request. The objects of the loaded code then leave the garbage collector's sight
(gc.freeze): otherwise each full collection walks those 100,000-odd long-lived objects, a
pause of about 60 ms on two cores that lands on whichever request happens to be running.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from jiefen.documents import signing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiefen.settings")
application = get_wsgi_application()
get_resolver().url_patterns  # noqa: B018  # imports every urls and views module
# The agreement's signing certificate and pyHanko, when configured, loaded now too.
signing.warm()
gc.collect()
gc.freeze()
