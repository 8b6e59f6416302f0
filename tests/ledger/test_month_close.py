"""Month closing with its rules (issue 11, item 5) and the closing commands (item 1).

A month closes once its work is done: no draft left in it (the refusal names them), the
months before it in its fiscal year closed, the year open. Reopening is the office
head's, with a written reason kept in the audit trail; a month of a closed year waits
for the year to be reopened. The commands act as the system unless `--as` names a user.
"""

from datetime import date
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command

from irls.models import Lab
from ledger import services
from ledger.exceptions import (
    PERIOD_EARLIER_OPEN,
    PERIOD_HAS_DRAFTS,
    PERIOD_REOPEN_YEAR_CLOSED,
    PERIOD_YEAR_CLOSED,
    REOPEN_REASON_MISSING,
    NotPermittedError,
    PeriodStateError,
)
from ledger.models import AuditEvent, FiscalYear, JournalEntry, Period
from ledger.services.years import fiscal_year_close
from tests.books import close_months, draft, posted


def month(lab: Lab, number: int, year: int = 2025) -> Period:
    return Period.objects.get(lab=lab, fiscal_year__year=year, month=number)


def period_events(period: Period) -> list[tuple[Any, ...]]:
    return list(
        AuditEvent.objects.filter(object_type="ledger.Period", object_id=str(period.pk))
        .order_by("id")
        .values_list("action", "actor__username", "after")
    )


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def year_ready_to_close(lab: Lab, user) -> FiscalYear:
    """2025 with one posted purchase and every month closed (the test chart holds the
    result accounts 120 and 129, and the journals OD and AN)."""
    posted(user, lab, "250.00")
    close_months(lab, *range(1, 13), user=user)
    return FiscalYear.objects.get(lab=lab, year=2025)


# Closing ------------------------------------------------------------------------------


def test_a_month_holding_drafts_does_not_close_and_names_them(accountant, cintra):
    close_months(cintra, 1, 2, user=accountant)
    supplies = draft(accountant, cintra, [("6064", "10", "0"), ("401", "0", "10")])
    fee = draft(
        accountant,
        cintra,
        [("627", "4", "0"), ("512", "0", "4")],
        journal_code="BQS",
        on=date(2025, 3, 3),
        label="Bank fee",
    )

    with pytest.raises(PeriodStateError) as refused:
        services.period_close(acting_user=accountant, period=month(cintra, 3))

    assert str(refused.value) == PERIOD_HAS_DRAFTS.format(
        period="2025-03",
        lab="CINTRA",
        count=2,
        drafts=f"BQS draft #{fee.pk} of 2025-03-03 «Bank fee»; "
        f"ACH draft #{supplies.pk} of 2025-03-14 «Supplies»",
    )
    assert "Post or delete them" in str(refused.value)
    assert month(cintra, 3).status == "open"
    assert period_events(month(cintra, 3)) == []

    services.entry_post(acting_user=accountant, entry=supplies)
    services.entry_delete_draft(acting_user=accountant, entry=fee)
    services.period_close(acting_user=accountant, period=month(cintra, 3))

    assert month(cintra, 3).status == "closed"
    assert period_events(month(cintra, 3)) == [("period.close", "accountant", {"status": "closed"})]


def test_the_refusal_names_ten_drafts_then_counts_the_others(accountant, cintra):
    for n in range(13):
        draft(
            accountant,
            cintra,
            [("6064", "1", "0"), ("401", "0", "1")],
            on=date(2025, 1, n + 1),
            label=f"Draft {n + 1}",
        )
    # Drafts of other months and posted entries of this one are not named.
    draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")], on=date(2025, 2, 1))
    posted(accountant, cintra, on=date(2025, 1, 31), label="Posted")

    with pytest.raises(PeriodStateError) as refused:
        services.period_close(acting_user=accountant, period=month(cintra, 1))

    message = str(refused.value)
    assert message.startswith(
        "Period 2025-01 of CINTRA cannot be closed while it holds drafts (13): "
    )
    assert [f"«Draft {n}»" in message for n in range(1, 14)] == [True] * 10 + [False] * 3
    assert "; and 3 more. Post or delete them" in message
    assert "Posted" not in message and "2025-02-01" not in message


def test_months_close_in_order(accountant, cintra):
    with pytest.raises(PeriodStateError) as refused:
        services.period_close(acting_user=accountant, period=month(cintra, 3))

    assert str(refused.value) == PERIOD_EARLIER_OPEN.format(
        period="2025-03", lab="CINTRA", year=2025, open="2025-01, 2025-02", first="2025-01"
    )
    assert str(refused.value).endswith("months close in order, so close 2025-01 first")
    assert month(cintra, 3).status == "open"

    services.period_close(acting_user=accountant, period=month(cintra, 1))
    with pytest.raises(PeriodStateError, match=r"is open \(2025-02\)"):
        services.period_close(acting_user=accountant, period=month(cintra, 3))
    services.period_close(acting_user=accountant, period=month(cintra, 2))
    services.period_close(acting_user=accountant, period=month(cintra, 3))

    statuses = Period.objects.filter(lab=cintra).order_by("month").values_list("status", flat=True)
    assert list(statuses) == ["closed"] * 3 + ["open"] * 9


def test_only_the_months_of_the_same_year_count(accountant, cintra):
    """January of the next year closes while December of this one is still open."""
    services.fiscal_year_open(acting_user=accountant, lab=cintra, year=2026)

    services.period_close(acting_user=accountant, period=month(cintra, 1, 2026))

    assert month(cintra, 1, 2026).status == "closed"
    assert month(cintra, 12).status == "open"


def test_the_lab_walls_and_roles_hold(accountant, director_cintra, auditor, majulab, cintra):
    for user in (director_cintra, auditor):
        with pytest.raises(NotPermittedError):
            services.period_close(acting_user=user, period=month(cintra, 1))
    # Another lab's drafts do not hold this one's month.
    draft(accountant, majulab, [("6064", "1", "0"), ("401", "0", "1")], on=date(2025, 1, 5))

    services.period_close(acting_user=accountant, period=month(cintra, 1))

    assert month(cintra, 1).status == "closed"
    assert month(majulab, 1).status == "open"


# Reopening ------------------------------------------------------------------------------


def test_reopening_needs_a_reason_and_the_office_head(accountant, office_head, cintra):
    close_months(cintra, 1, 2, user=accountant)
    february = month(cintra, 2)

    with pytest.raises(NotPermittedError, match="accountant may not reopen periods in CINTRA"):
        services.period_reopen(acting_user=accountant, period=february, reason="Late invoice")
    for blank in ("", "   \n"):
        with pytest.raises(PeriodStateError) as refused:
            services.period_reopen(acting_user=office_head, period=february, reason=blank)
        assert str(refused.value) == REOPEN_REASON_MISSING.format(what="period 2025-02 of CINTRA")
    assert month(cintra, 2).status == "closed"

    services.period_reopen(
        acting_user=office_head, period=february, reason="  Late invoice from SUP-01 "
    )

    february.refresh_from_db()
    assert (february.status, february.status_changed_by) == ("open", office_head)
    assert period_events(february) == [
        ("period.close", "accountant", {"status": "closed"}),
        ("period.reopen", "office_head", {"status": "open", "reason": "Late invoice from SUP-01"}),
    ]
    with pytest.raises(PeriodStateError, match="Period 2025-02 of CINTRA is already open"):
        services.period_reopen(acting_user=office_head, period=february, reason="Again")


def test_the_system_closes_and_reopens_with_the_reason_audited(cintra):
    services.period_close(acting_user=None, period=month(cintra, 1))
    services.period_reopen(acting_user=None, period=month(cintra, 1), reason="Bank statement late")

    assert period_events(month(cintra, 1)) == [
        ("period.close", None, {"status": "closed"}),
        ("period.reopen", None, {"status": "open", "reason": "Bank statement late"}),
    ]


def test_a_month_of_a_closed_year_waits_for_the_year(accountant, office_head, cintra):
    fiscal_year = year_ready_to_close(cintra, accountant)
    fiscal_year_close(acting_user=accountant, fiscal_year=fiscal_year)

    with pytest.raises(PeriodStateError) as refused:
        services.period_reopen(acting_user=office_head, period=month(cintra, 12), reason="Fix")
    assert str(refused.value) == PERIOD_REOPEN_YEAR_CLOSED.format(
        period="2025-12", lab="CINTRA", year=2025
    )
    assert "reopen the year first" in str(refused.value)
    with pytest.raises(PeriodStateError) as refused:
        services.period_close(acting_user=accountant, period=month(cintra, 12))
    assert str(refused.value) == PERIOD_YEAR_CLOSED.format(
        period="2025-12", lab="CINTRA", year=2025
    )
    assert month(cintra, 12).status == "closed"


# Commands -------------------------------------------------------------------------------


def test_close_period_names_the_drafts_and_the_earlier_open_month(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")], on=date(2025, 1, 9))

    with pytest.raises(CommandError) as refused:
        run("close_period", "--lab", "CINTRA", "--month", "2025-02")
    assert str(refused.value).endswith("so close 2025-01 first")
    with pytest.raises(CommandError) as refused:
        run("close_period", "--lab", "CINTRA", "--month", "2025-01")
    assert f"ACH draft #{entry.pk} of 2025-01-09 «Supplies»" in str(refused.value)
    assert "\n" not in str(refused.value)

    services.entry_delete_draft(acting_user=accountant, entry=entry)
    assert (
        run("close_period", "--lab", "CINTRA", "--month", "2025-01") == "CINTRA: 2025-01 closed\n"
    )


def test_a_refused_command_exits_non_zero_with_one_line(cintra, capsys):
    utility = ManagementUtility(
        ["manage.py", "close_period", "--lab", "CINTRA", "--month", "2025-03"]
    )
    with pytest.raises(SystemExit) as exited:
        utility.execute()

    assert exited.value.code == 1
    error = capsys.readouterr().err
    assert error == (
        "CommandError: "
        + PERIOD_EARLIER_OPEN.format(
            period="2025-03", lab="CINTRA", year=2025, open="2025-01, 2025-02", first="2025-01"
        )
        + "\n"
    )


def test_reopen_period_command(accountant, office_head, cintra):
    run("close_period", "--lab", "CINTRA", "--month", "2025-01")
    args = ("reopen_period", "--lab", "CINTRA", "--month", "2025-01")

    with pytest.raises(CommandError, match="the following arguments are required: --reason"):
        run(*args)
    with pytest.raises(CommandError, match="Say why period 2025-01 of CINTRA is reopened"):
        run(*args, "--reason", " ")
    with pytest.raises(CommandError, match="accountant may not reopen periods in CINTRA"):
        run(*args, "--reason", "Late invoice", "--as", "accountant")
    with pytest.raises(CommandError, match="--month must be YYYY-MM"):
        run("reopen_period", "--lab", "CINTRA", "--month", "2025-1", "--reason", "x")
    with pytest.raises(CommandError, match="No lab with code 'NOPE'"):
        run("reopen_period", "--lab", "NOPE", "--month", "2025-01", "--reason", "x")
    with pytest.raises(CommandError, match="No user 'ghost'"):
        run(*args, "--reason", "x", "--as", "ghost")

    assert run(*args, "--reason", "Late invoice", "--as", "office_head") == (
        "CINTRA: 2025-01 reopened\n"
    )
    with pytest.raises(CommandError, match="Period 2025-01 of CINTRA is already open"):
        run(*args, "--reason", "Again")
    run("close_period", "--lab", "CINTRA", "--month", "2025-01")
    run(*args, "--reason", "Bank statement late")  # the system

    assert period_events(month(cintra, 1))[1:] == [
        ("period.reopen", "office_head", {"status": "open", "reason": "Late invoice"}),
        ("period.close", None, {"status": "closed"}),
        ("period.reopen", None, {"status": "open", "reason": "Bank statement late"}),
    ]


def test_open_year_command(accountant, director_cintra, cintra):
    with pytest.raises(CommandError, match="director_cintra may not open fiscal years in CINTRA"):
        run("open_year", "--lab", "CINTRA", "--year", "2026", "--as", "director_cintra")
    with pytest.raises(CommandError, match="CINTRA already has the fiscal year 2025 \\(Open\\)"):
        run("open_year", "--lab", "CINTRA", "--year", "2025")
    with pytest.raises(CommandError, match="--year must be a year such as 2026, got 20260"):
        run("open_year", "--lab", "CINTRA", "--year", "20260")
    with pytest.raises(CommandError, match="argument --year: invalid int value: 'next'"):
        run("open_year", "--lab", "CINTRA", "--year", "next")

    out = run("open_year", "--lab", "CINTRA", "--year", "2026", "--as", "accountant")

    assert out == "CINTRA: fiscal year 2026 opened, with its twelve months\n"
    year = FiscalYear.objects.get(lab=cintra, year=2026)
    assert (year.start_date, year.end_date, year.periods.count()) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
        12,
    )
    assert AuditEvent.objects.filter(
        action="fiscal_year.open", object_id=str(year.pk), actor=accountant
    ).exists()
    run("open_year", "--lab", "CINTRA", "--year", "2027")  # the system
    assert AuditEvent.objects.filter(action="fiscal_year.open", actor=None).count() == 2


def test_close_year_prints_the_checklist_and_refuses_with_the_failing_items(accountant, cintra):
    entry = draft(accountant, cintra, [("6064", "1", "0"), ("401", "0", "1")], on=date(2025, 12, 9))
    out = StringIO()

    with pytest.raises(CommandError) as refused:
        call_command(
            "close_year", "--lab", "CINTRA", "--year", "2025", "--as", "accountant", stdout=out
        )

    printed = out.getvalue().splitlines()
    assert printed[0] == "CINTRA 2025, checklist before closing:"
    assert any(line.startswith("  [FAIL]") and "still open" in line for line in printed)
    assert any(line.startswith("  [FAIL]") and "draft" in line for line in printed)
    assert f"         ACH draft #{entry.pk} of 2025-12-09: Supplies" in printed
    assert any(line.startswith("  [ok]") for line in printed)
    message = str(refused.value)
    assert message.startswith("CINTRA: 2025 not closed: ") and "\n" not in message
    assert "still open" in message and "draft" in message
    assert FiscalYear.objects.get(lab=cintra, year=2025).status == "open"
    assert not AuditEvent.objects.filter(action="fiscal_year.close").exists()
    with pytest.raises(CommandError, match="CINTRA has no fiscal year 2031"):
        run("close_year", "--lab", "CINTRA", "--year", "2031")


def test_close_year_then_reopen_year(accountant, office_head, cintra):
    year_ready_to_close(cintra, accountant)

    out = run("close_year", "--lab", "CINTRA", "--year", "2025", "--as", "accountant")

    lines = out.splitlines()
    assert lines[0] == "CINTRA 2025, checklist before closing:"
    assert not [line for line in lines if "[FAIL]" in line]
    closing = JournalEntry.objects.get(lab=cintra, year_end="closing")
    opening = JournalEntry.objects.get(lab=cintra, year_end="opening")
    assert lines[-1] == (
        f"CINTRA: fiscal year 2025 closed; year-end entries posted: "
        f"{closing.number}, {opening.number}"
    )
    assert FiscalYear.objects.get(lab=cintra, year=2025).status == "closed"
    assert FiscalYear.objects.get(lab=cintra, year=2026).status == "open"
    with pytest.raises(CommandError, match="CINTRA: the fiscal year 2025 is already closed"):
        run("close_year", "--lab", "CINTRA", "--year", "2025", "--as", "accountant")

    reopen = ("reopen_year", "--lab", "CINTRA", "--year", "2025")
    with pytest.raises(CommandError, match="the following arguments are required: --reason"):
        run(*reopen, "--as", "office_head")
    with pytest.raises(CommandError, match="accountant may not reopen fiscal years in CINTRA"):
        run(*reopen, "--reason", "Audit adjustment", "--as", "accountant")

    out = run(*reopen, "--reason", "Audit adjustment", "--as", "office_head")

    assert out == "CINTRA: fiscal year 2025 reopened\n"
    event = AuditEvent.objects.get(action="fiscal_year.reopen")
    assert event.actor == office_head
    assert event.after is not None and event.after["reason"] == "Audit adjustment"
    # The year is open again; its months stay closed until reopened one by one.
    assert month(cintra, 12).status == "closed"
    run("reopen_period", "--lab", "CINTRA", "--month", "2025-12", "--reason", "Accrual")
    assert month(cintra, 12).status == "open"


def test_the_year_commands_need_a_person_to_act(cintra, accountant):
    year_ready_to_close(cintra, accountant)
    with pytest.raises(CommandError) as info:
        run("close_year", "--lab", "CINTRA", "--year", "2025")
    assert str(info.value) == (
        "close_year needs --as USERNAME: the closing and opening entries record who posted them"
    )
    with pytest.raises(CommandError, match="reopen_year needs --as USERNAME"):
        run("reopen_year", "--lab", "CINTRA", "--year", "2025", "--reason", "Audit")
    assert not AuditEvent.objects.filter(action__startswith="fiscal_year.c").exists()
