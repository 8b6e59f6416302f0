"""Error reporting set only by the environment (issue 13, item 6): without SENTRY_DSN
nothing is initialised; with one, sentry-sdk runs with the Django integration, no personal
data and no tracing unless asked. Checked in processes started as the server starts
(the apps load, ops reads the environment); the DSN points to a closed port on this
machine, and nothing is sent (no error happens)."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from django.conf import settings

from ops.error_reporting import error_reporting_init

ROOT = Path(settings.BASE_DIR)
KEPT = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
PROBE = """
import json, django, sentry_sdk
django.setup()
from django.conf import settings
client = sentry_sdk.get_client()
options = client.options if client.is_active() else {}
print(json.dumps({
    "active": client.is_active(),
    "integrations": sorted(getattr(client, "integrations", {})),
    "environment": options.get("environment"),
    "release": options.get("release"),
    "send_default_pii": options.get("send_default_pii"),
    "traces_sample_rate": options.get("traces_sample_rate"),
    "admins": settings.ADMINS,
}))
"""
CLOSED_PORT_DSN = "http://public@127.0.0.1:9/1"


def probe(tmp_path: Path, **environment: str) -> dict[str, Any]:
    env = {key: os.environ[key] for key in KEPT if key in os.environ}
    env |= {"DJANGO_SETTINGS_MODULE": "config.settings", "IRL_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env | environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_without_a_dsn_nothing_is_initialised(tmp_path: Path) -> None:
    assert error_reporting_init({}) is False
    assert error_reporting_init({"SENTRY_DSN": "  "}) is False

    found = probe(tmp_path)

    assert found["active"] is False
    assert found["admins"] == []


def test_with_a_dsn_sentry_reports_django_errors_without_personal_data(tmp_path: Path) -> None:
    found = probe(
        tmp_path,
        SENTRY_DSN=CLOSED_PORT_DSN,
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="irl-ledger@1f4eeb7",
        ADMINS="Office IT <it@example.org>, Jane Doe <jane@example.org>",
    )

    assert found["active"] is True
    assert "django" in found["integrations"]
    assert (found["environment"], found["release"]) == ("staging", "irl-ledger@1f4eeb7")
    assert found["send_default_pii"] is False
    assert found["traces_sample_rate"] == 0
    assert found["admins"] == [["Office IT", "it@example.org"], ["Jane Doe", "jane@example.org"]]


def test_the_environment_defaults_to_production(tmp_path: Path) -> None:
    found = probe(tmp_path, SENTRY_DSN=CLOSED_PORT_DSN, SENTRY_TRACES_SAMPLE_RATE="0.05")

    # The release, unset, is what sentry-sdk finds (the checkout's git commit).
    assert found["environment"] == "production"
    assert found["traces_sample_rate"] == 0.05
