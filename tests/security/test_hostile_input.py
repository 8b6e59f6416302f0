"""Hostile input on every page: lookups, ordering and connector payloads in query strings,
other labs' ids, huge and negative numbers, dates out of range, non-UTF-8 bytes, markup.

Every request answers 400, 404 (or 403, 405, a redirect) with a clear message, or 200
where the page legitimately ignores the parameter or shows its form again with the
errors; never 500, never a change to the database, and never the markup unescaped.
"""

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from django.contrib.auth.models import User
from django.test import Client

from ledger.models import AuditEvent
from tests.books import account, journal
from tests.security.world import World, entries_state, rows_count

SCRIPT = "<script>alert(1)</script>"
FORM_ERROR = re.compile(rb'class="errorlist|class="errornote')
HUGE = "99999999999999999999"
NOT_UTF8 = "%ff%fe"  # bytes that are not UTF-8, percent-encoded
ALLOWED = {200, 302, 400, 403, 404, 405}
FORM_URLENCODED = "application/x-www-form-urlencoded"

# (query string, what it tries)
QUERY_PAYLOADS = [
    ("__class__=x", "a dunder lookup"),
    ("lab__in=CINTRA,MAJULAB", "a lookup on the lab"),
    ("lab__code__startswith=C", "a lookup across a relation"),
    ("_connector=OR", "the connector of a Q object"),
    ("_negated=1", "a negated Q object"),
    ("order_by=password", "an ordering on a field of another model"),
    ("o=-1.2.password", "the admin's ordering"),
    ("actor__password__startswith=pbkdf2", "a lookup on users' passwords"),
    ("_to_field=password", "the admin's to_field"),
    (f"page={HUGE}", "a huge page"),
    ("page=-1", "a negative page"),
    ("page=1e3", "a page in exponent notation"),
    ("year=999999", "a year out of range"),
    ("currency=XYZ", "an unknown currency"),
    (f"{NOT_UTF8}={NOT_UTF8}", "bytes that are not UTF-8"),
    (f"q={quote(SCRIPT)}", "markup in a search"),
    (f"user={quote(SCRIPT)}", "markup in a filter"),
    ("lab=CINTRA", "another lab's code (for a person of MAJULAB)"),
    ("lab=CINTRA%27%20OR%20%271%27=%271", "SQL in a filter"),
    ("date_from=99999-01-01", "a date out of range"),
    ("date_from=2025-02-30", "a date that does not exist"),
    ("date_from=2025-12-31&date_to=2025-01-01", "dates the wrong way round"),
    ("action=%00", "a NUL character (PostgreSQL refuses it in any query)"),
    ("year=%C2%B2", "a digit to str.isdigit() that int() cannot read"),
    ("month=0-0", "a month that is no date"),
    (f"month={HUGE}-1", "a year of twenty digits"),
    (f"at__year={HUGE}", "the date hierarchy with a huge year"),
    ("created_at__year=0", "the date hierarchy with year 0"),
]


@dataclass(frozen=True)
class Case:
    """One hostile request and the statuses it may answer."""

    who: str
    method: str
    url: str
    data: dict[str, Any] | None = None
    expect: frozenset[int] = frozenset(ALLOWED)
    form_errors: bool = False  # a 200 must show the form's error messages
    urlencoded: bool = False  # posted as a URL-encoded form (multipart otherwise)

    def __str__(self) -> str:
        return f"{self.who} {self.method} {self.url} {self.data or ''}"


def _expected_for_query(kind: str, reads: frozenset[str], query: str) -> frozenset[int]:
    """reads: the parameters an admin list reads, its date hierarchy's field as `<field>__`."""
    key = query.split("=", 1)[0]
    if kind == "ignores":  # pages that read no query parameter, or read it safely
        return frozenset({200})
    if kind == "audit":  # filter forms that refuse what they do not know
        return frozenset({404}) if query.startswith("lab=CINTRA") else frozenset({400})
    if kind == "admin_page":  # the admin's pages that are not lists: _to_field, or nothing
        return frozenset({400}) if key == "_to_field" else frozenset({200})
    if kind == "admin_index":
        return frozenset({200})
    # An admin list: a parameter of one of its filters is read (200), a date of the date
    # hierarchy out of range or a value a filter cannot use is refused (400); any other
    # parameter is a lookup: sent back to the list with ?e=1 (302), or refused (400).
    if key in reads:
        return frozenset({200})
    if key == "_to_field" or any(key.startswith(f) for f in reads if f.endswith("__")):
        return frozenset({400})
    return frozenset({302, 400})


# What the admin lists read: the search (q), the ordering (o) and their filters.
ENTRY_FILTERS = frozenset({"q", "o", "lab", "journal", "month", "status"})
EVENT_FILTERS = frozenset({"q", "o", "lab", "action", "object_type", "at__"})
LINE_FILTERS = frozenset({"q", "o", "lab", "year", "funding_source", "envelope", "policy"})
PERIOD_FILTERS = frozenset({"q", "o", "lab", "year", "status"})
BATCH_FILTERS = frozenset({"q", "o", "lab", "kind", "result", "posted", "created_at__"})
GRANT_FILTERS = frozenset({"q", "o", "lab", "role"})
NONE: frozenset[str] = frozenset()


def query_cases(world: World) -> list[Case]:
    a, b = world.a, world.b
    pages = [
        ("office_head", "/", "ignores", NONE),
        ("office_head", "/labs/CINTRA/budget/2025/", "ignores", NONE),
        ("director_a", "/labs/CINTRA/budget/2025/", "ignores", NONE),
        ("office_head", f"/labs/CINTRA/budget/2025/lines/{a['budgetline'].pk}/", "ignores", NONE),
        ("director_b", f"/labs/MAJULAB/budget/2025/lines/{b['budgetline'].pk}/", "ignores", NONE),
        ("office_head", "/labs/CINTRA/statements/", "ignores", NONE),
        ("accountant_b", "/audit/", "ignores", NONE),
        ("accountant_b", "/audit/trail/", "audit", NONE),
        ("accountant_b", "/audit/trail/export.xlsx", "audit", NONE),
        ("accountant_b", "/audit/imports/", "audit", NONE),
        ("accountant_b", "/audit/verify/", "audit", NONE),
        ("office_head", "/admin/", "admin_index", NONE),
        (
            "office_head",
            f"/admin/ledger/journalentry/{a['journalentry'].pk}/change/",
            "admin_page",
            NONE,
        ),
        ("office_head", "/admin/ledger/journalentry/", "admin_list", ENTRY_FILTERS),
        ("director_b", "/admin/ledger/journalentry/", "admin_list", ENTRY_FILTERS),
        ("office_head", "/admin/ledger/auditevent/", "admin_list", EVENT_FILTERS),
        ("office_head", "/admin/ledger/budgetline/", "admin_list", LINE_FILTERS),
        ("director_b", "/admin/ledger/period/", "admin_list", PERIOD_FILTERS),
        ("office_head", "/admin/ledger/importbatch/", "admin_list", BATCH_FILTERS),
        ("director_b", "/admin/irls/rolegrant/", "admin_list", GRANT_FILTERS),
    ]
    cases = []
    for who, path, kind, reads in pages:
        for query, _what in QUERY_PAYLOADS:
            expect = _expected_for_query(kind, reads, query)
            if "%00" in query:  # refused before any page reads it
                expect = frozenset({400})
            cases.append(Case(who, "GET", f"{path}?{query}", expect=expect))
    return cases


def path_cases(world: World) -> list[Case]:
    """Ids and codes in the path: huge, negative, not numbers, not UTF-8, another lab's."""
    a = world.a
    not_found = frozenset({404})
    urls = [
        f"/labs/CINTRA/budget/{HUGE}/",
        "/labs/CINTRA/budget/0/",
        f"/labs/CINTRA/budget/2025/lines/{HUGE}/",
        f"/labs/CINTRA/statements/{HUGE}/download/",
        f"/labs/{NOT_UTF8}/",
        f"/labs/{quote(SCRIPT, safe='')}/budget/2025/",
        "/labs/cintra/budget/2025/",
        f"/admin/ledger/journalentry/{HUGE}/change/",
        "/admin/ledger/journalentry/-1/change/",
        f"/admin/ledger/journalentry/{NOT_UTF8}/change/",
        f"/admin/ledger/budgetline/{HUGE}/amend/",
        f"/admin/irls/lab/{HUGE}/history/",
        f"/admin/ledger/importbatch/template/{NOT_UTF8}/",
    ]
    cases = [Case("office_head", "GET", url, expect=not_found) for url in urls]
    # The other lab's objects under their own addresses, as the people of lab B.
    others = [
        f"/labs/CINTRA/budget/2025/lines/{a['budgetline'].pk}/",
        f"/labs/CINTRA/statements/{a['statement'].pk}/download/",
        f"/admin/ledger/journalentry/{a['journalentry'].pk}/change/",
        f"/admin/ledger/budgetline/{a['budgetline'].pk}/amend/",
        f"/admin/ledger/importbatch/{a['importbatch'].pk}/change/",
    ]
    for who in ("director_b", "accountant_b"):
        cases += [Case(who, "GET", url, expect=not_found) for url in others]
    cases.append(Case("office_head", "GET", "/labs/CINTRA%00/", expect=frozenset({400})))
    return cases


def _line(index: int, account_id: Any, debit: str, credit: str) -> dict[str, Any]:
    prefix = f"lines-{index}-"
    return {
        prefix + "account": account_id,
        prefix + "label": SCRIPT,
        prefix + "debit": debit,
        prefix + "credit": credit,
        prefix + "amount_currency_0": "",
        prefix + "amount_currency_1": "SGD",
        prefix + "third_party": "",
    }


def _entry(world: World, lines: list[tuple[Any, str, str]], **header: Any) -> dict[str, Any]:
    lab = world.a.lab
    data: dict[str, Any] = {
        "lab": lab.pk,
        "journal": journal(lab, "ACH").pk,
        "date": "2025-03-14",
        "label": SCRIPT,
        "piece_ref": "=cmd|' /C calc'!A0",
        "piece_date": "2025-03-14",
        "lines-TOTAL_FORMS": str(len(lines)),
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "0",
        "lines-MAX_NUM_FORMS": "1000",
        "_save": "Save",
        **header,
    }
    for index, (account_id, debit, credit) in enumerate(lines):
        data.update(_line(index, account_id, debit, credit))
    return data


def form_cases(world: World) -> list[Case]:
    """Forms posted with values that must be refused, each with its reason shown."""
    a, b = world.a, world.b
    supplies, bank = account(a.lab, "6064").pk, account(a.lab, "401").pk
    other_lab_account = account(b.lab, "6064").pk
    entries = "/admin/ledger/journalentry/"
    shown = frozenset({200})
    cases = [
        Case("office_head", "POST", entries + "add/", _entry(world, lines), shown, True)
        for lines in (
            [(supplies, "-100.00", "0"), (bank, "0", "-100.00")],  # negative amounts
            [(supplies, "1e30", "0"), (bank, "0", "1e30")],  # huge amounts
            [(supplies, HUGE + "00", "0"), (bank, "0", HUGE + "00")],
            [(supplies, "NaN", "0"), (bank, "0", "NaN")],
            [(supplies, "Infinity", "0"), (bank, "0", "Infinity")],
            [(supplies, "100.001", "0"), (bank, "0", "100.001")],  # below the cent
            [(other_lab_account, "100.00", "0"), (bank, "0", "100.00")],  # other lab's account
            [(HUGE, "100.00", "0"), (bank, "0", "100.00")],  # an id out of range
            [(f"{NOT_UTF8}", "100.00", "0"), (bank, "0", "100.00")],
        )
    ]
    good_lines = [(supplies, "100.00", "0"), (bank, "0", "100.00")]
    for header in (
        {"date": "10000-01-01"},  # out of range
        {"date": "1899-12-31"},  # no fiscal year
        {"date": "2025-02-30"},
        {"lab": b.lab.pk},  # the journal is lab A's
        {"lab": HUGE},
        {"journal": journal(b.lab, "ACH").pk},
        {"lines-TOTAL_FORMS": "99999999"},
        {"lines-TOTAL_FORMS": "abc"},
    ):
        data = _entry(world, good_lines, **header)
        cases.append(Case("office_head", "POST", entries + "add/", data, shown, True))
    # An accountant of lab B records an entry in lab A: the lab is not a choice.
    cases.append(
        Case("accountant_b", "POST", entries + "add/", _entry(world, good_lines), shown, True)
    )
    line = f"/admin/ledger/budgetline/{a['budgetline'].pk}/"
    for amount, on in (
        ("-500.00", "2025-03-01"),
        (HUGE, "2025-03-01"),
        ("NaN", "2025-03-01"),
        ("100.00", "99999-12-31"),
        ("100.00", "0000-00-00"),
    ):
        data = {"kind": "top_up", "amount": amount, "date": on, "justification": SCRIPT}
        cases.append(Case("office_head", "POST", line + "amend/", data, shown, True))
    transfer = {
        "target": b["other_line"].pk,  # a line of the other lab
        "amount": "10.00",
        "date": "2025-03-01",
        "justification": "move",
    }
    cases.append(Case("office_head", "POST", line + "transfer/", transfer, shown, True))
    cases += [
        Case(
            "office_head",
            "POST",
            "/admin/ledger/exchangerate/add/",
            {
                "currency": currency,
                "source": "chancellery",
                "valid_from": valid_from,
                "units_per_eur": units,
            },
            shown,
            True,
        )
        for currency, valid_from, units in (
            ("SGD", "2025-05-01", "-1.45"),
            ("SGD", "2025-05-01", "0"),
            ("SGD", "2025-05-01", "1e40"),
            ("sgd", "2025-05-01", "1.45"),
            ("SGDX", "2025-05-01", "1.45"),
            ("SGD", "10000-01-01", "1.45"),
            (SCRIPT, "2025-05-01", "1.45"),
        )
    ]
    cases += [
        Case(
            "office_head",
            "POST",
            "/admin/ledger/commitment/add/",
            {
                "budget_line": a["budgetline"].pk,
                "kind": "purchase_order",
                "reference": SCRIPT,
                "third_party": "X",
                "label": "x",
                "amount": amount,
                "date": "2025-04-01",
            },
            shown,
            True,
        )
        for amount in ("-4000.00", "0", HUGE)
    ]
    cases += [
        Case(
            "office_head",
            "POST",
            "/admin/irls/rolegrant/add/",
            {"user": user, "role": role, "lab": lab},
            shown,
            True,
        )
        for user, role, lab in (
            (world.users["director_b"].pk, "superuser", a.lab.pk),
            (world.users["director_b"].pk, "director", HUGE),
            ("-1", "director", a.lab.pk),
        )
    ]
    statements = "/labs/CINTRA/statements/"
    issue = {
        "kind": "trial-balance",
        "year": "2025",
        "date_from": "",
        "date_to": "",
        "language": "en",
        "currency": "SGD",
        "format": "pdf",
        "partner": "",
        "grant": "",
    }
    bad = frozenset({400})
    for change in (
        {"kind": "../../etc/passwd"},
        {"year": "999999"},
        {"year": HUGE},
        {"date_from": "99999-01-01"},
        {"date_from": "2025-12-31", "date_to": "2025-01-01"},
        {"currency": "XYZ"},
        {"format": "exe"},
        {"language": "xx"},
        {"kind": "partner", "partner": SCRIPT},
        {"kind": "grant", "grant": "' OR 1=1 --"},
    ):
        cases.append(Case("office_head", "POST", statements + "issue/", {**issue, **change}, bad))
    cases.append(Case("director_b", "POST", statements + "issue/", issue, frozenset({404})))
    cases.append(Case("office_head", "POST", statements + "check/", {"file": "not a file"}, bad))
    cases += [
        Case("accountant_b", "POST", "/audit/verify/", {"lab": "CINTRA"}, frozenset({404})),
        Case("accountant_b", "POST", "/audit/verify/", {"lab": SCRIPT}, frozenset({404})),
        Case("accountant_b", "POST", "/audit/verify/", {"lab__in": "CINTRA"}, bad),
        Case("auditor", "POST", "/audit/verify/", {"_connector": "OR"}, bad),
    ]
    # Actions on the other lab's objects, and a director's actions on their own lab's.
    for who, url, action, obj in (
        ("accountant_b", entries, "post_entries", a["draft"]),
        ("accountant_b", entries, "reverse_entries", a["journalentry"]),
        ("director_a", entries, "post_entries", a["draft"]),
        ("auditor", entries, "reverse_entries", a["journalentry"]),
        ("accountant_b", "/admin/ledger/period/", "close_periods", a["period"]),
        ("director_a", "/admin/ledger/period/", "close_periods", a["period"]),
        ("accountant_b", "/admin/ledger/commitment/", "cancel_commitments", a["commitment"]),
        ("auditor", "/admin/irls/rolegrant/", "revoke_grants", a["rolegrant"]),
        ("director_a", "/admin/irls/rolegrant/", "revoke_grants", a["rolegrant"]),
    ):
        data = {"action": action, "_selected_action": [obj.pk], "apply": "1", "reason": "x"}
        cases.append(Case(who, "POST", url, data, frozenset({200, 302, 403})))
    # The import page: kinds, labs and files that are refused before anything is read.
    imports = "/admin/ledger/importbatch/import/"
    for who, data in (
        ("office_head", {"kind": "../../etc", "lab": a.lab.pk}),
        ("office_head", {"kind": "journal", "lab": "abc"}),
        ("office_head", {"kind": "journal", "lab": HUGE}),
        ("accountant_b", {"kind": "journal", "lab": a.lab.pk}),
        ("office_head", {"kind": "journal", "lab": a.lab.pk, "file": "not a file"}),
    ):
        cases.append(Case(who, "POST", imports, data, shown, True))
    for sha256 in ("../../etc/passwd", "0" * 64, HUGE, SCRIPT):
        data = {"sha256": sha256, "lab": "abc", "kind": "journal"}
        cases.append(Case("office_head", "POST", imports + "confirm/", data, frozenset({302, 404})))
    # Selections that are no ids (Django's admin would filter with them as they are).
    for url, action in (
        (entries, "post_entries"),
        ("/admin/ledger/commitment/", "cancel_commitments"),
        ("/admin/irls/rolegrant/", "revoke_grants"),
        ("/admin/ledger/budgetline/", "amend_line"),
    ):
        for selected in ("abc", f"{a['draft'].pk}.5", "-", "\u00b2"):
            data = {"action": action, "_selected_action": [selected], "apply": "1", "reason": "x"}
            cases.append(Case("office_head", "POST", url, data, bad))
    nul = {"action": "post_entries", "label": "a\x00b"}
    cases.append(Case("office_head", "POST", entries, nul, bad, urlencoded=True))
    cases += [
        Case("anon", "POST", "/login/", {"username": "x" * 100_000, "password": "x"}, shown),
        Case("anon", "POST", "/login/", {"username": SCRIPT, "password": SCRIPT}, shown),
        Case("anon", "POST", "/admin/login/", {"username": "' OR 1=1 --", "password": "x"}, shown),
        Case(
            "office_head",
            "POST",
            "/i18n/setlang/",
            {"language": "fr", "next": "https://evil.example/"},
            frozenset({302}),
        ),
        Case("office_head", "POST", "/i18n/setlang/", {"language": SCRIPT}, frozenset({302})),
    ]
    return cases


def _client(world: World, who: str, clients: dict[str, Client]) -> Client:
    if who not in clients:
        client = clients[who] = Client()
        user: User | None = None if who == "anon" else world.users[who]
        if user is not None:
            client.force_login(user)
    return clients[who]


def test_hostile_requests_never_fail_nor_change_anything(world: World):
    cases = query_cases(world) + path_cases(world) + form_cases(world)
    clients: dict[str, Client] = {}
    rows_before, entries_before = rows_count(), entries_state()
    events_before = AuditEvent.objects.count()
    statuses: Counter[int] = Counter()
    wrong = []
    for case in cases:
        client = _client(world, case.who, clients)
        if case.method == "GET":
            response = client.get(case.url)
        elif case.urlencoded:
            data = urlencode(case.data or {}, doseq=True)
            response = client.post(case.url, data, content_type=FORM_URLENCODED)
        else:
            response = client.post(case.url, case.data or {})
        statuses[response.status_code] += 1
        body = b"".join(response.streaming_content) if response.streaming else response.content  # type: ignore[attr-defined]
        problems = []
        if response.status_code not in case.expect:
            problems.append(f"status {response.status_code}, expected {sorted(case.expect)}")
        if SCRIPT.encode() in body:
            problems.append("markup shown unescaped")
        if case.form_errors and response.status_code == 200 and not FORM_ERROR.search(body):
            problems.append("the form came back without an error message")
        if response.status_code == 302 and "evil.example" in response.get("Location", ""):
            problems.append("redirected off the site")
        if problems:
            wrong.append(f"{case}: {'; '.join(problems)}")

    assert not wrong, "\n".join(wrong)
    assert len(cases) >= 200
    assert statuses[500] == 0
    # Nothing changed, but the statement downloads recorded in the trail.
    added = AuditEvent.objects.order_by("id")[events_before:]
    assert {event.action for event in added} <= {"statement.download"}
    rows_after = rows_count()
    rows_after["ledger.AuditEvent"] = rows_before["ledger.AuditEvent"]
    assert rows_after == rows_before
    assert entries_state() == entries_before
    print(f"hostile input: {len(cases)} requests, {dict(statuses)}")
