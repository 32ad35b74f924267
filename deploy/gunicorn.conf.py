"""gunicorn settings for one web host (`gunicorn -c deploy/gunicorn.conf.py collab.wsgi`).

Each value can be overridden from the environment file (deploy/collab.env.example) so the
same file serves every host. The balancer (deploy/haproxy.cfg) reaches this port on the
private network and asks `/ready` every few seconds.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Requests are short and mostly wait on PostgreSQL: two processes a core, a few threads each.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", 2))
worker_class = "gthread"
# A request that runs longer than this is killed; every write of a resident's journey is one
# transaction, so a killed request stores nothing and the resident sees the balancer's retry.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", 20))
# Kept a little longer than the balancer's idle timeout for server connections, so the balancer
# closes first and never sends a request on a connection gunicorn is closing.
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", 65))
# Recycle processes now and then so a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = 200
# Load the application once, before forking: the production checks in collab/wsgi.py run in
# the master, so a misconfigured host fails to start instead of failing every request.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
errorlog = "-"
# The balancer adds X-Forwarded-For; Collab reads it (TRUSTED_PROXIES), not gunicorn.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
proc_name = "collab-web"
