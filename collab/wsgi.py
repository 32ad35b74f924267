"""The WSGI application gunicorn serves. With DEBUG off it first runs the production checks
(collab/checks.py) and refuses to start on any error, so a misconfigured deployment never serves
a request: gunicorn's worker fails to boot and gunicorn exits."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collab.settings")
application = get_wsgi_application()

from collab.checks import refuse_to_start_on_errors  # noqa: E402 (needs the apps loaded)

refuse_to_start_on_errors()
