"""`/healthz`: is this server process fit to serve? For load balancers, systemd watchdogs
and monitoring: no login, nothing secret, never cached."""

import functools
import logging

from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from jobs.selectors import worker_seen_recently

logger = logging.getLogger("config.health")

OK = "ok"
UNAVAILABLE = 503
# What the status code depends on: a load balancer must not take a web server out because
# the background workers are down (the "worker" entry is for monitoring).
DECIDING = ("database", "migrations")

MigrationKey = tuple[str, str]


@functools.cache
def _migrations_on_disk() -> dict[MigrationKey, tuple[MigrationKey, ...]]:
    """Every migration of the code this process runs, with those it replaces (a squash):
    read once, as the code does not change under a running process."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return {key: tuple(graph.nodes[key].replaces or ()) for key in graph.nodes}


def _unapplied(applied: set[MigrationKey]) -> list[MigrationKey]:
    return [
        key
        for key, replaces in _migrations_on_disk().items()
        if key not in applied and not (replaces and set(replaces) <= applied)
    ]


def _worker() -> str:
    """ "ok" when a background worker (`manage.py jobs_worker`) was heard of within
    JOBS_WORKER_LOST_AFTER seconds, "not seen" otherwise (one query)."""
    try:
        return OK if worker_seen_recently() else "not seen"
    except DatabaseError:
        logger.exception("health check: the workers' table cannot be read")
        return "unknown"


@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with {"database": "ok", "migrations": "ok", "worker": ...} when the database
    answers and every migration of the code is applied; 503 and what is wrong otherwise.
    "worker" says whether a background worker was seen lately ("ok", "not seen"); it
    does not change the status code (two queries)."""
    try:
        applied = set(MigrationRecorder(connection).applied_migrations())
    except DatabaseError:
        logger.exception("health check: the database does not answer")
        status = {"database": "unreachable", "migrations": "unknown", "worker": "unknown"}
    else:
        unapplied = _unapplied(applied)
        if unapplied:
            logger.warning("health check: %d migrations not applied", len(unapplied))
        status = {
            "database": OK,
            "migrations": "unapplied" if unapplied else OK,
            "worker": _worker(),
        }
    healthy = all(status[key] == OK for key in DECIDING)
    response = JsonResponse(status, status=200 if healthy else UNAVAILABLE)
    response["Cache-Control"] = "no-store"
    return response
