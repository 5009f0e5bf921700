"""Gunicorn settings for production (docs/deploy.md): `gunicorn -c deploy/gunicorn.conf.py wsgi:app`.

gthread workers: the tool calls the LMS (token, JWKS, AGS, NRPS) inside requests, and an LMS may call the tool
back while it waits (its JWKS during a Deep Linking return), so a worker must serve more than one request at a
time. Every value can be set from the environment, so one file serves every machine.
"""
import os

# Where to listen: behind the reverse proxy, loopback (or a private interface) only.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Processes: about one per core; threads: requests in flight per process while it waits on the LMS or the database.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
# A request that takes longer than this (seconds) gets its worker restarted; outgoing calls time out earlier
# (HTTP_TIMEOUT, 3.05 s to connect, 10 s to read).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# Workers are replaced now and then (jittered, so not all at once): a slow leak cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "500"))
# The app is imported in each worker, after the fork: no database connection or Redis socket is shared
# between processes.
preload_app = False
# Logs go to stdout/stderr, for systemd's journal or the platform's log collector.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# The access log without the query string: launch_token values must not end up in logs.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'
# X-Forwarded-* are read by the app's ProxyFix (TRUSTED_PROXY_HOPS), not by gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
