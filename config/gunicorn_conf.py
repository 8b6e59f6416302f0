"""gunicorn's settings for IRL Ledger's production server (`python3 dev.py serve`), read
from the environment (README: Production).

    IRL_BIND          where to listen: host:port or unix:/path (default 127.0.0.1:8000,
                      behind a reverse proxy on the same machine)
    WEB_CONCURRENCY   worker processes (default 2 per core + 1)
    WEB_TIMEOUT       seconds a request may run before its worker is restarted (default 120)

Workers are synchronous processes: the reverse proxy buffers slow clients, so each worker
is busy only while Django works. Each request is logged once, by the application
(ops.middleware: one JSON line with its request id, user, lab and duration, on stdout);
gunicorn's own access log is off, its errors go to stderr.
"""

import os

wsgi_app = "config.wsgi:application"
bind = [address.strip() for address in os.environ.get("IRL_BIND", "127.0.0.1:8000").split(",")]
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
# Long work (large statements and imports, audit packages) runs in the background workers
# (jobs/): a request taking longer than this is a fault; its worker is killed and the
# request answered 502 by the proxy.
timeout = int(os.environ.get("WEB_TIMEOUT") or 120)
graceful_timeout = 30
keepalive = 5
# Load the application once in the master: a missing SECRET_KEY or a broken setting stops
# the server at once with its message, and workers share the loaded code's memory.
preload_app = True
# A worker is replaced after this many requests (plus jitter), so that memory a large
# statement took is given back.
max_requests = 1000
max_requests_jitter = 100
accesslog = None
errorlog = "-"
# No runtime control socket (gunicorn >= 25.1 makes one in $HOME by default, which two
# servers on one machine would share): systemd's signals start, reload and stop it.
control_socket_disable = True
