"""Issuing a month's bank reconciliation statement: built, rendered by the reports'
renderers, and archived like every statement (sha256, the ledger's hash-chain head, who
and when), so the statements page's check recognises the file later."""

import tempfile
from datetime import date

from django.contrib.auth.models import User
from django.db import transaction

from banking.models import BankAccount
from banking.statement import KIND, bank_reconciliation_build
from irls.access import READ_ROLES
from ledger.models import LedgerChain
from ledger.services.audit import audit_record
from reports.archive import archive_store
from reports.exceptions import BAD_FORMAT, OR, StatementError
from reports.models import IssuedStatement
from reports.services import render_to

from .access import require

FORMATS = (IssuedStatement.Format.PDF, IssuedStatement.Format.XLSX)


def statement_file_name(bank_account: BankAccount, month: date, language: str, fmt: str) -> str:
    """CINTRA_bank-reconciliation_5121_2025-03_fr.pdf"""
    return (
        f"{bank_account.lab.code}_{KIND}_{bank_account.account.code}_{month:%Y-%m}_{language}.{fmt}"
    )


def bank_reconciliation_issue(
    *,
    acting_user: User | None,
    bank_account: BankAccount,
    month: date,
    language: str = "en",
    format: str = IssuedStatement.Format.PDF,
) -> IssuedStatement:
    """The reconciliation statement of `bank_account` for `month`, rendered and archived;
    audited as 'statement.issue'. Readers of the lab may issue it."""
    require(acting_user, bank_account.lab, "issue statements", READ_ROLES)
    if format not in FORMATS:
        raise StatementError(
            BAD_FORMAT.format(value=format, kind=KIND, formats=str(OR).join(FORMATS))
        )
    language = "fr" if language == "fr" else "en"
    chain = LedgerChain.objects.filter(lab_id=bank_account.lab_id).values_list(
        "length", "head_hash"
    ).first() or (0, "")
    statement = bank_reconciliation_build(bank_account=bank_account, month=month, language=language)
    with tempfile.TemporaryFile(prefix="bank-reconciliation-") as spool:
        render_to(statement, format, spool)
        with transaction.atomic():
            issued = archive_store(
                file=spool,
                lab=bank_account.lab,
                kind=KIND,
                format=format,
                parameters={**statement.parameters, "format": format},
                file_name=statement_file_name(bank_account, month, language, format),
                chain_length=chain[0],
                chain_head=chain[1],
                issued_by=acting_user,
            )
            audit_record(
                actor=acting_user,
                action="statement.issue",
                obj=issued,
                lab=bank_account.lab,
                after={
                    "kind": issued.kind,
                    "format": issued.format,
                    "parameters": issued.parameters,
                    "file_name": issued.file_name,
                    "sha256": issued.sha256,
                    "size": issued.size,
                    "chain_length": issued.chain_length,
                    "chain_head": issued.chain_head,
                },
            )
    return issued
