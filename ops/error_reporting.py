"""Error reporting to Sentry (or any service speaking its protocol), set only by the
environment: nothing is initialised, and nothing leaves the machine, without SENTRY_DSN.

    SENTRY_DSN                  where to report (the project's DSN)
    SENTRY_ENVIRONMENT          e.g. production, staging (default: production)
    SENTRY_RELEASE              the deployed version (default: the checkout's git commit)
    SENTRY_TRACES_SAMPLE_RATE   share of requests traced for performance (default 0: none)

No personal data is sent (send_default_pii off: no user, address, cookies or form).
"""

import os
from collections.abc import Mapping


def error_reporting_init(environ: Mapping[str, str] | None = None) -> bool:
    """Start reporting when SENTRY_DSN is set; True if it was started."""
    env = os.environ if environ is None else environ
    dsn = env.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        environment=env.get("SENTRY_ENVIRONMENT", "").strip() or "production",
        release=env.get("SENTRY_RELEASE", "").strip() or None,
        traces_sample_rate=float(env.get("SENTRY_TRACES_SAMPLE_RATE", "").strip() or 0),
    )
    return True
