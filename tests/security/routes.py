"""Every URL pattern of the project, found in the resolver (the admin's included), and a
real URL for each, built with the ids of one lab's objects."""

import re
from dataclasses import dataclass
from typing import cast

from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver

from ledger.models import JournalEntry
from parties.models import ThirdParty
from tests.security.world import World

# The admin's pages of a model: admin/<app>/<model>/...
ADMIN_MODEL = re.compile(r"^admin/(?P<app>\w+)/(?P<model>\w+)/")
# Objects of the office, not of a lab: their pages are the same for both labs.
OFFICE_MODELS = {"exchangerate", "institution", "group", "thirdparty"}
YEAR = 2025
# The admin's autocomplete asked for a journal line's account, as its widget would.
AUTOCOMPLETE_QUERY = "?app_label=ledger&model_name=journalline&field_name=account&term=6"


@dataclass(frozen=True)
class Route:
    """One URL pattern: its full route (the matrix's key) and its name."""

    route: str
    name: str

    @property
    def admin_model(self) -> str | None:
        match = ADMIN_MODEL.match(self.route)
        return match["model"] if match else None

    @property
    def lab_bound(self) -> bool:
        """True when the URL names a lab or one of a lab's objects."""
        if "<str:code>" in self.route or "<id>" in self.route:
            return True
        if "<path:object_id>" in self.route:
            return self.admin_model not in OFFICE_MODELS
        return False


def _walk(patterns: list[URLPattern | URLResolver], prefix: str, namespace: str) -> list[Route]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            routes += _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            routes.append(Route(prefix + str(pattern.pattern), namespace + (pattern.name or "")))
    return routes


def all_routes() -> list[Route]:
    """Every URL pattern the project defines, in the resolver's order; a pattern named
    several times (the API names each operation on one address) once."""
    routes: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", ""):
        routes.setdefault(route.route, route)
    return list(routes.values())


def _object_id(route: Route, world: World, side: str) -> int:
    model = route.admin_model or ""
    if model in OFFICE_MODELS:
        return int(world.office[model].pk)
    if model == "lab":
        return int(world.labs[side].lab.pk)
    return int(world.labs[side][model].pk)


def url_for(route: Route, world: World, side: str = "A") -> str:
    """A URL of `route` built with the objects of lab `side` ("A" or "B")."""
    lab = world.labs[side]
    url = route.route
    if url == "admin/r/<path:content_type_id>/<path:object_id>/":
        content_type = ContentType.objects.get_for_model(JournalEntry)
        return f"/admin/r/{content_type.pk}/{lab['journalentry'].pk}/"
    if url.startswith("admin/^(?P<app_label>"):  # the apps of the admin's index pages
        return "/admin/ledger/"
    if url == "admin/(?P<url>.*)$":
        return "/admin/no-such-page/"
    if url == "admin/autocomplete/":
        return "/admin/autocomplete/" + AUTOCOMPLETE_QUERY
    replacements = {
        "<str:code>": lab.lab.code,
        "<int:year>": str(YEAR),
        "<int:line_id>": str(lab["budgetline"].pk),
        "<int:statement_id>": str(lab["statement"].pk),
        # Entry pages name the posted invoice; draft-only actions answer it with a refusal.
        "<int:entry_id>": str(lab["journalentry"].pk),
        "<int:batch_id>": str(lab["importbatch"].pk),
        "<int:job_id>": str(lab["job"].pk),
        "<int:bank_account_id>": str(lab["bankaccount"].pk),
        "<int:bank_statement_id>": str(lab["bankstatement"].pk),
        "<int:month>": "3",
        "<int:document_id>": str(lab["supportingdocument"].pk),
        "<id>": str(lab["user"].pk),
        "<str:kind>": "journal",
        "<path:source>": lab["fundingsource"].code,
        # A third party is the office's: the same page for people of either lab.
        "<path:party>": cast(ThirdParty, world.office["thirdparty"]).code,
        "<int:user_id>": str(lab["user"].pk),
        # A personal API token is its owner's: the office-wide accountant's, revoked.
        "<int:token_id>": str(world.office["apitoken"].pk),
        "<path:rest>": "v2/labs",
        # A preview the API never made (its id is the previewed file's sha256).
        "<str:preview_id>": "0" * 64,  # a version that does not exist
        # A password-reset link that does not work (the page says so, to anyone).
        "<uidb64>": "MQ",
        "<token>": "no-such-token",
    }
    if "<path:object_id>" in url:
        replacements["<path:object_id>"] = str(_object_id(route, world, side))
    for placeholder, value in replacements.items():
        url = url.replace(placeholder, value)
    if "<" in url or "(?P" in url:
        raise AssertionError(f"no way to build a URL of {route.route!r}: add one in routes.py")
    return "/" + url
