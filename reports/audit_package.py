"""The audit package: for a lab and a fiscal year, one ZIP holding every statement an
auditor asks for, the FEC, the supporting documents of the year's posted entries, the
ledger verification and a manifest (each file's size and sha256, the parameters, the
hash-chain head); archived as a statement is (reports.models.IssuedStatement), so the
ZIP in hand can be checked on the statements page.

Every statement is rendered by the statements' own builders and renderers
(reports.services.statement_file), one at a time, and written into the ZIP (deflated,
in a temporary file) as soon as it is rendered: memory holds one statement at a time,
and the FEC and the documents are streamed in chunks. The package reflects one state of
the books: the chain head is read before and after, and the package is built again
(ATTEMPTS times at most) when an entry was posted meanwhile.
"""

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from irls.models import Lab, Role
from ledger.models import FiscalYear, SupportingDocument
from ledger.selectors import ledger_verify_report
from ledger.selectors.documents import year_documents
from ledger.services import audit_record
from ledger.services.access import require_role
from reports.archive import archive_store
from reports.builders import FEC
from reports.builders.common import StatementOptions, statement_options
from reports.exceptions import StatementError
from reports.fec import fec_file_name, fec_lines
from reports.models import IssuedStatement
from reports.selectors import lab_partner_codes, ledger_chain_state, year_grant_codes
from reports.services import ATTEMPTS, PDF, TXT, XLSX, ZIP, statement_file

KIND = "audit-package"
# The package is the auditors' (and the accountants' and office head's): the directors
# read their lab's statements, not the audit file.
AUDIT_PACKAGE_ROLES = frozenset({Role.ACCOUNTANT, Role.AUDITOR, Role.OFFICE_HEAD})
# For the CNRS, in French, unless asked otherwise.
DEFAULT_LANGUAGE = "fr"
# The statements of the year, each as PDF (to read) and XLSX (to work on).
YEAR_STATEMENTS = (
    "trial-balance",
    "general-ledger",
    "journal",
    "balance-sheet",
    "income-statement",
    "budget-execution",
    "third-party-balance",
    "third-party-ledger",
    "payables-ageing",
    "receivables-ageing",
)
FORMATS = (PDF, XLSX)
STEP = "package"  # the progress step (jobs.selectors.STEPS)
CHUNK = 1024 * 1024
SINGAPORE = ZoneInfo("Asia/Singapore")
MANIFEST_JSON, MANIFEST_TEXT, VERIFICATION = "manifest.json", "manifest.txt", "verify_ledger.txt"
SUMS = "SHA256SUMS"  # `sha256sum -c SHA256SUMS` in the unzipped folder checks every file
STATEMENTS_DIR, DOCUMENTS_DIR = "statements", "documents"

PACKAGE_MOVING = _("The books of {lab} kept changing while the audit package was built: try again")

Progress = Callable[[str, int, int], None]

TEXT = {
    "en": {
        "title": "Audit package of {lab} ({name}), fiscal year {year}",
        "period": "Period: {start} to {end}; fiscal year {status}.",
        "open": "open",
        "closed": "closed",
        "options": "Language: {language}; currency: {currency} (FEC and closing statement "
        "in the book currency, {book}).",
        "chain": "Ledger hash chain at issue: {length} posted entries, head {head}.",
        "issued": "Issued on {when} (Singapore time) by {who}.",
        "system": "the system",
        "verification": "Ledger verification: {verdict} (see {file}).",
        "ok": "passed",
        "altered": "FAILED",
        "files": "Files ({count}), with their size in bytes and sha256:",
        "document_altered": "  ! the stored file's sha256 differs from the one recorded when "
        "it was attached ({recorded})",
        "missing": "Supporting documents missing from the storage ({count}):",
        "check": "The package itself is checked by uploading it on the statements page of "
        "IRL Ledger; the files in it by `sha256sum -c SHA256SUMS` in the unzipped folder.",
    },
    "fr": {
        "title": "Dossier d'audit de {lab} ({name}), exercice {year}",
        "period": "Période : du {start} au {end} ; exercice {status}.",
        "open": "ouvert",
        "closed": "clos",
        "options": "Langue : {language} ; devise : {currency} (FEC et procès-verbal de "
        "clôture dans la devise de tenue, {book}).",
        "chain": "Chaîne de hachage du grand livre à l'émission : {length} écritures "
        "validées, tête {head}.",
        "issued": "Émis le {when} (heure de Singapour) par {who}.",
        "system": "le système",
        "verification": "Vérification du grand livre : {verdict} (voir {file}).",
        "ok": "réussie",
        "altered": "ÉCHEC",
        "files": "Fichiers ({count}), avec leur taille en octets et leur sha256 :",
        "document_altered": "  ! le sha256 du fichier conservé diffère de celui enregistré "
        "à son dépôt ({recorded})",
        "missing": "Pièces justificatives absentes du stockage ({count}) :",
        "check": "Le dossier lui-même se vérifie en le déposant sur la page des états "
        "d'IRL Ledger ; les fichiers qu'il contient par `sha256sum -c SHA256SUMS` dans le "
        "dossier décompressé.",
    },
}


@dataclass(frozen=True)
class Member:
    """A file of the package, as the manifest lists it."""

    name: str
    size: int
    sha256: str
    kind: str  # a statement kind, "fec", "document" or "verification"
    format: str
    parameters: dict[str, str] = field(default_factory=dict)
    recorded_sha256: str = ""  # a document's, when it differs from the file's


@dataclass(frozen=True)
class _Part:
    """A statement the package holds, before it is rendered."""

    kind: str
    format: str
    partner: str = ""
    grant: str = ""


def audit_package_issue(
    *,
    acting_user: User | None,
    lab: Lab,
    year: int,
    language: str = DEFAULT_LANGUAGE,
    currency: str | None = None,
    progress: Progress | None = None,
) -> IssuedStatement:
    """Build the audit package of `lab`'s fiscal year `year` and archive the ZIP with who
    asked, when, its sha256 and the chain head; audited as 'audit_package.issue'.

    `acting_user` None is the system (the management command). `progress` is told
    ("package", files written, files to write)."""
    if acting_user is not None:
        require_role(acting_user, lab, "build audit packages", AUDIT_PACKAGE_ROLES)
    options = statement_options(lab=lab, year=year, language=language, currency=currency)
    parts = _plan(options)
    for _attempt in range(ATTEMPTS):
        chain = ledger_chain_state(lab=lab)
        with tempfile.TemporaryFile(prefix="audit-package-") as spool:
            members = _write_package(spool, options, parts, chain, acting_user, progress)
            if ledger_chain_state(lab=lab) != chain:
                continue
            return _archive(acting_user, options, chain, members, spool)
    raise StatementError(PACKAGE_MOVING.format(lab=lab.code))


def audit_package_file_name(options: StatementOptions) -> str:
    """CINTRA_audit-package_2025_fr_SGD.zip"""
    year = options.fiscal_year.year
    return f"{options.lab.code}_{KIND}_{year}_{options.language}_{options.currency}.zip"


def _plan(options: StatementOptions) -> list[_Part]:
    """The statements of the package: the FEC, the year's statements, one partner statement
    a partner or funder, one grant statement a funding source running in the year, and the
    closing statement of a closed year."""
    parts = [_Part(FEC, TXT)]
    parts += [_Part(kind, fmt) for kind in YEAR_STATEMENTS for fmt in FORMATS]
    for code in lab_partner_codes(lab=options.lab):
        parts += [_Part("partner", fmt, partner=code) for fmt in FORMATS]
    for code in year_grant_codes(fiscal_year=options.fiscal_year):
        parts += [_Part("grant", fmt, grant=code) for fmt in FORMATS]
    if options.fiscal_year.status == FiscalYear.Status.CLOSED:
        parts += [_Part("closing", fmt) for fmt in FORMATS]
    return parts


class _Zip:
    """The package being written: each member deflated into the ZIP as it comes, with its
    size and sha256 counted on the way."""

    def __init__(self, spool: IO[bytes], when: datetime) -> None:
        self.archive = zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED)
        self.date_time = (when.year, when.month, when.day, when.hour, when.minute, when.second)
        self.members: list[Member] = []

    def write(
        self, name: str, chunks: Iterable[bytes], *, kind: str, fmt: str, **extra: Any
    ) -> Member:
        info = zipfile.ZipInfo(name, date_time=self.date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        digest, size = hashlib.sha256(), 0
        # Streamed members (the FEC, documents) may pass 2 GiB: ZIP64 headers for all.
        with self.archive.open(info, "w", force_zip64=True) as out:
            for chunk in chunks:
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        member = Member(name, size, digest.hexdigest(), kind, fmt, **extra)
        self.members.append(member)
        return member

    def close(self) -> None:
        self.archive.close()


def _write_package(
    spool: IO[bytes],
    options: StatementOptions,
    parts: list[_Part],
    chain: tuple[int, str],
    acting_user: User | None,
    progress: Progress | None,
) -> list[Member]:
    documents = list(year_documents(options.fiscal_year))
    total = len(parts) + len(documents) + 2  # the verification, the manifest
    zipped = _Zip(spool, timezone.localtime(timezone.now(), SINGAPORE))
    done = 0

    def told() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(STEP, done, total)

    if progress is not None:
        progress(STEP, 0, total)
    for part in parts:
        _write_statement(zipped, options, part)
        told()
    missing = []
    for document in documents:
        if _write_document(zipped, document) is None:
            missing.append(document)
        told()
    verified_ok = _write_verification(zipped, options)
    told()
    members = list(zipped.members)
    _write_manifests(zipped, options, chain, acting_user, verified_ok, missing)
    told()
    zipped.close()
    return members


def _write_statement(zipped: _Zip, options: StatementOptions, part: _Part) -> None:
    lab, year = options.lab, options.fiscal_year.year
    if part.kind == FEC:
        parameters = options.parameters(FEC)
        del parameters["language"]
        parameters |= {"currency": lab.book_currency, "format": TXT}
        zipped.write(
            f"{STATEMENTS_DIR}/{fec_file_name(lab, year)}",
            fec_lines(lab, year),
            kind=FEC,
            fmt=TXT,
            parameters=parameters,
        )
        return
    # The closing statement has no EUR version: it is in the book currency.
    currency = lab.book_currency if part.kind == "closing" else options.currency
    # Each statement goes through a file of its own, then into the ZIP in chunks.
    with tempfile.TemporaryFile(prefix="audit-package-member-") as spool:
        made = statement_file(
            lab=lab,
            kind=part.kind,
            year=year,
            language=options.language,
            currency=currency,
            partner=part.partner,
            grant=part.grant,
            format=part.format,
            into=spool,
        )
        spool.seek(0)
        zipped.write(
            f"{STATEMENTS_DIR}/{made.file_name}",
            _chunks(spool),
            kind=part.kind,
            fmt=part.format,
            parameters={**made.parameters, "format": part.format},
        )


def _write_document(zipped: _Zip, document: SupportingDocument) -> Member | None:
    """The document's file under documents/<entry number>/; None when the storage no
    longer has it (the manifest says so)."""
    entry = document.entry
    folder = entry.number or f"entry-{entry.pk}"
    name = f"{DOCUMENTS_DIR}/{folder}/{document.sha256[:8]}_{document.original_name}"
    try:
        handle = document.file.open("rb")
    except OSError:
        return None
    with handle:
        member = zipped.write(
            name,
            _chunks(handle),
            kind="document",
            fmt=document.content_type,
            parameters={"entry": folder, "original_name": document.original_name},
        )
    if member.sha256 != document.sha256:
        # Kept as found, and said: the auditor sees the file was changed in the storage.
        zipped.members[-1] = member = Member(
            **{**asdict(member), "recorded_sha256": document.sha256}
        )
    return member


def _chunks(handle: Any) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK):
        yield chunk


def _write_verification(zipped: _Zip, options: StatementOptions) -> bool:
    """`manage.py verify_ledger --lab CODE`'s report, as it prints it."""
    result, report = ledger_verify_report(lab=options.lab)
    text = "\n".join([f"$ python manage.py verify_ledger --lab {options.lab.code}", *report, ""])
    zipped.write(VERIFICATION, (text.encode(),), kind="verification", fmt=TXT)
    return result.ok


def _write_manifests(
    zipped: _Zip,
    options: StatementOptions,
    chain: tuple[int, str],
    acting_user: User | None,
    verified_ok: bool,
    missing: list[SupportingDocument],
) -> None:
    """manifest.json (every file before it, with the package's parameters and proof),
    manifest.txt (the same in words) and SHA256SUMS (every file before it)."""
    lab, fiscal_year = options.lab, options.fiscal_year
    issued_at = timezone.localtime(timezone.now(), SINGAPORE)
    members = list(zipped.members)
    manifest = {
        "package": audit_package_file_name(options),
        "kind": KIND,
        "parameters": {
            "lab": lab.code,
            "year": str(fiscal_year.year),
            "date_from": options.date_from.isoformat(),
            "date_to": options.date_to.isoformat(),
            "language": options.language,
            "currency": options.currency,
            "book_currency": lab.book_currency,
        },
        "fiscal_year_status": fiscal_year.status,
        "chain_head": {"sequence": chain[0], "hash": chain[1]},
        "issued_at": issued_at.isoformat(),
        "time_zone": str(SINGAPORE),
        "issued_by": acting_user.get_username() if acting_user is not None else None,
        "verification": {"ok": verified_ok, "file": VERIFICATION},
        "files": [_manifest_row(member) for member in members],
        "documents_missing": [
            {"entry": d.entry.number, "original_name": d.original_name, "sha256": d.sha256}
            for d in missing
        ],
    }
    data = json.dumps(manifest, ensure_ascii=False, indent=2).encode() + b"\n"
    zipped.write(MANIFEST_JSON, (data,), kind="manifest", fmt="json")
    text = _manifest_text(options, chain, acting_user, verified_ok, members, missing, issued_at)
    zipped.write(MANIFEST_TEXT, (text.encode(),), kind="manifest", fmt=TXT)
    sums = "".join(f"{member.sha256}  {member.name}\n" for member in zipped.members)
    zipped.write(SUMS, (sums.encode(),), kind="manifest", fmt=TXT)


def _manifest_row(member: Member) -> dict[str, Any]:
    row = asdict(member)
    if not member.recorded_sha256:
        del row["recorded_sha256"]
    return row


def _manifest_text(
    options: StatementOptions,
    chain: tuple[int, str],
    acting_user: User | None,
    verified_ok: bool,
    members: list[Member],
    missing: list[SupportingDocument],
    issued_at: datetime,
) -> str:
    words = TEXT[options.language]
    lab, fiscal_year = options.lab, options.fiscal_year
    who = acting_user.get_username() if acting_user is not None else words["system"]
    lines = [
        words["title"].format(lab=lab.code, name=lab.name, year=fiscal_year.year),
        "",
        words["period"].format(
            start=options.date_from.isoformat(),
            end=options.date_to.isoformat(),
            status=words["closed" if fiscal_year.status == FiscalYear.Status.CLOSED else "open"],
        ),
        words["options"].format(
            language=options.language, currency=options.currency, book=lab.book_currency
        ),
        words["chain"].format(length=chain[0], head=chain[1] or "-"),
        words["issued"].format(when=f"{issued_at:%Y-%m-%d %H:%M:%S}", who=who),
        words["verification"].format(
            verdict=words["ok" if verified_ok else "altered"], file=VERIFICATION
        ),
        "",
        words["files"].format(count=len(members)),
    ]
    for member in members:
        lines.append(f"{member.sha256}  {member.size:>12}  {member.name}")
        if member.recorded_sha256:
            lines.append(words["document_altered"].format(recorded=member.recorded_sha256))
    if missing:
        lines += ["", words["missing"].format(count=len(missing))]
        lines += [f"  {d.entry.number}: {d.original_name} ({d.sha256})" for d in missing]
    lines += ["", words["check"], ""]
    return "\n".join(lines)


def _archive(
    acting_user: User | None,
    options: StatementOptions,
    chain: tuple[int, str],
    members: list[Member],
    package: IO[bytes],
) -> IssuedStatement:
    lab = options.lab
    parameters = {
        **options.parameters(KIND),
        "format": ZIP,
        "files": str(len(members) + 3),  # with the manifests and SHA256SUMS
    }
    with transaction.atomic():
        issued = archive_store(
            file=package,
            lab=lab,
            kind=KIND,
            format=ZIP,
            parameters=parameters,
            file_name=audit_package_file_name(options),
            chain_length=chain[0],
            chain_head=chain[1],
            issued_by=acting_user,
        )
        audit_record(
            actor=acting_user,
            action="audit_package.issue",
            obj=issued,
            lab=lab,
            after={
                "parameters": parameters,
                "file_name": issued.file_name,
                "sha256": issued.sha256,
                "size": issued.size,
                "chain_length": issued.chain_length,
                "chain_head": issued.chain_head,
            },
        )
    return issued
