"""gunicorn's settings, read from the environment: `gunicorn inclusion.wsgi` picks this file up.

Workers: WEB_CONCURRENCY, by default 2 x cores + 1 (5 on the 2-core reference machine). Each
worker is one process answering one request at a time; the pages spend most of their time in
PostgreSQL, so about two per core keeps the cores busy while some wait. Each worker holds at
most one database connection: count workers x servers against PostgreSQL's (or the pooler's)
connection limit.
"""

import multiprocessing
import os

wsgi_app = "inclusion.wsgi:application"
# BIND, e.g. 127.0.0.1:8000 behind a reverse proxy on the same host; on platforms that give a
# PORT (Procfile), every interface on that port.
if "BIND" in os.environ:
    bind = os.environ["BIND"].split(",")
elif "PORT" in os.environ:
    bind = [f"0.0.0.0:{os.environ['PORT']}"]
else:
    bind = ["127.0.0.1:8000"]
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
# A worker busy longer than this on one request is killed and replaced. No request is meant to
# take more than a few seconds: the Excel exports are made by the task worker, and a request only
# asks for one, follows it or downloads the file (sent from disk, to the reverse proxy that buffers
# it); database statements are bounded apart (DATABASE_STATEMENT_TIMEOUT_MS). The CSV exports are
# still streamed by the request: a very large one may need GUNICORN_TIMEOUT raised.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
# Restart each worker now and then, so a slow leak never grows for days; the jitter keeps the
# workers from restarting together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 2000))
max_requests_jitter = max_requests // 10
# The access log on standard output, JSON lines with the request id; gunicorn's own messages
# on standard error, JSON too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "inclusion.core.logs.JsonGunicornLogger"
# One control socket per account would be shared by every server started under it; systemd's
# reload (HUP) and stop (TERM) are all the management needed.
control_socket_disable = True
# An over-long request line or header field gets the site's own page (414, 431) from Django
# (inclusion.core.middleware.RequestLimitsMiddleware) rather than gunicorn's bare English one, so
# gunicorn lets them through: 0 is no limit on the request line (anything from 1 to 8190 is a
# limit, and gunicorn's own answer beyond it), and header fields up to 32 KB, 100 of them at most.
# The memory this may take is bounded by the proxy in front (README, "First deployment"), which
# refuses longer lines itself.
limit_request_line = 0
limit_request_field_size = 32768
