"""gunicorn's configuration for the portal's web service (the Dockerfile's command; read by
bench/load.py too). Sized to the box: threaded workers, so a worker waiting on PostgreSQL
lets another request use the core, and a static file is answered by a free thread instead
of waiting behind pages (docs/decisions/0013-throughput.md, issue 14). Each value can be
changed by the environment variable beside it, or on gunicorn's command line."""

import multiprocessing
import os

_cores = multiprocessing.cpu_count()

worker_class = "gthread"
# One process per core and one spare (a process holds Python's lock while it computes).
workers = int(os.environ.get("WEB_WORKERS", _cores + 1))
# Threads per process: requests waiting on the database or the network overlap.
threads = int(os.environ.get("WEB_THREADS", 4))
# Idle keep-alive connections (a browser fetching a page's files on one connection).
keepalive = int(os.environ.get("WEB_KEEPALIVE", 5))
timeout = int(os.environ.get("WEB_TIMEOUT", 60))
accesslog = os.environ.get("WEB_ACCESS_LOG", "-")

