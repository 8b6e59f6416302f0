"""The REST API, mounted at /api/v1/: its OpenAPI 3.1 schema at /api/v1/openapi.json and
its documentation page at /api/v1/docs (Swagger UI from django-ninja's own static files:
nothing is loaded from the internet)."""

from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe
from ninja import NinjaAPI

from api.errors import install_handlers
from api.routers import entries, imports, reference, reports
from api.security import TokenRateThrottle

DESCRIPTION = """The books of the IRLs of the CNRS office in Singapore, for the CNRS's
systems, the partners' finance offices and scripts.

**Authentication**: a personal token, created on the *API tokens* page
(`/account/api-tokens/`), sent as `Authorization: Bearer irl_...`; or the session of a
signed-in browser (writes send the `X-CSRFToken` header). Every request is checked
against your roles, as the pages are: another lab's objects answer 404; a director or an
auditor never writes (403).

**Writes** go through the ledger's own services: the same rules, messages and audit
trail as the pages. Send an `Idempotency-Key` header with a POST to retry it safely: the
same key and request within 24 hours get the first answer again and change nothing.

**Errors** have one shape: `{"code", "message", "field", "errors": [{"field",
"message"}]}`, the message in the language of `Accept-Language` (English or French).

**Amounts** are decimal strings in the lab's book currency (SGD) unless a field says
otherwise; dates are `YYYY-MM-DD`. Each token may send API_RATE_LIMIT requests a minute
(120 by default); beyond, 429 with `Retry-After`."""

api = NinjaAPI(
    title="IRL Ledger API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    throttle=[TokenRateThrottle()],
    # The schema and its page are read, never posted to.
    docs_decorator=require_safe,
)
install_handlers(api)
api.add_router("", reference.router)
api.add_router("", entries.router)
api.add_router("", reports.router)
api.add_router("", imports.router)

__all__ = ["_", "api"]
