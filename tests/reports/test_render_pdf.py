"""The PDF renderer, read back as text: CINTRA's general ledger, in English and French."""

import io
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

from reports.render.pdf import render_pdf
from reports.statement import Column, LabHeader, Row, Section, Statement

NBSP = "\u00a0"
CINTRA = LabHeader(
    code="CINTRA",
    name="CNRS International NTU Thales Research Alliance",
    unit_number="IRL 3288",
    partners=("CNRS", "NTU", "Thales"),
)
LEDGER_COLUMNS = (
    Column("date", "Date", "date", 9),
    Column("journal", "Journal", "text", 6),
    Column("entry", "Entry", "text", 10),
    Column("label", "Label", "text", 40),
    Column("debit", "Debit", "amount", 12),
    Column("credit", "Credit", "amount", 12),
    Column("balance", "Balance", "amount", 12, running=True),
)
MISSION = (
    "Mission to Paris for the annual CNRS partners meeting: return flight Singapore "
    "Paris, three nights at the hotel, per diem, and the registration fee of the "
    "conference on quantum materials held in Orsay (été 2025, reçu à régulariser)"
)


def purchases(count: int, debit: Decimal = Decimal("1.00")) -> Iterator[Row]:
    """`count` supplier invoices of `debit` each, with their running balance."""
    balance = Decimal(0)
    for number in range(1, count + 1):
        balance += debit
        yield Row(
            (
                date(2025, 1, 1) + timedelta(days=number % 365),
                "AC",
                f"AC-{number:05d}",
                f"Invoice {number} office supplies",
                debit,
                None,
                balance,
            )
        )


def ledger(*sections: Section, **changes: Any) -> Statement:
    fields: dict[str, Any] = {
        "kind": "general-ledger",
        "title": "General ledger",
        "lab": CINTRA,
        "period_from": date(2025, 1, 1),
        "period_to": date(2025, 12, 31),
        "currency": "SGD",
        "language": "en",
        "generated_at": datetime(2026, 1, 15, 9, 30),
        "columns": LEDGER_COLUMNS,
        "sections": sections,
        "landscape": True,
    }
    fields.update(changes)
    return Statement(**fields)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, whitespace runs made single spaces (no-break spaces kept)."""
    reader = PdfReader(io.BytesIO(pdf))
    return [
        " ".join(page.extract_text().replace(NBSP, "\0").split()).replace("\0", NBSP)
        for page in reader.pages
    ]


def test_title_block_names_the_lab_the_statement_and_its_period() -> None:
    statement = ledger(Section("606100 Office supplies", purchases(3)))

    first = pages_text(render_pdf(statement))[0]

    assert "CINTRA — CNRS International NTU Thales Research Alliance" in first
    assert "Unit: IRL 3288 · Partners: CNRS, NTU, Thales" in first
    assert "General ledger" in first
    assert "Period: 2025-01-01 to 2025-12-31 · Currency: SGD · Generated 2026-01-15 09:30" in first
    assert "Date Journal Entry Label Debit Credit Balance" in first
    assert "606100 Office supplies" in first


def test_figures_and_dates_follow_the_language() -> None:
    rows = [
        Row(
            (
                date(2025, 3, 31),
                "BQ",
                "BQ-00001",
                "Allocation CNRS",
                Decimal("1234567.89"),
                None,
                Decimal("-1234567.89"),
            )
        )
    ]
    english = ledger(Section("512000 Bank", rows))
    french = ledger(Section("512000 Banque", rows), language="fr", title="Grand livre")

    english_text = pages_text(render_pdf(english))[0]
    french_text = pages_text(render_pdf(french))[0]

    assert "2025-03-31 BQ BQ-00001 Allocation CNRS 1,234,567.89 -1,234,567.89" in english_text
    assert f"31/03/2025 BQ BQ-00001 Allocation CNRS 1{NBSP}234{NBSP}567,89" in french_text
    assert f"-1{NBSP}234{NBSP}567,89" in french_text
    assert "du 01/01/2025 au 31/12/2025" in french_text
    assert "Édité le 15/01/2026 09:30" in french_text


def test_every_page_is_numbered_out_of_the_total() -> None:
    statement = ledger(Section("606100 Office supplies", purchases(200)))

    pages = pages_text(render_pdf(statement))

    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages, 1):
        assert f"Page {number} of {total}" in text


def test_column_heads_repeat_and_totals_are_carried_to_the_next_page() -> None:
    statement = ledger(Section("606100 Office supplies", purchases(200)))

    first, second = pages_text(render_pdf(statement))[:2]

    # Every invoice is 1.00, so the total carried is the count of invoices on page 1.
    on_first_page = first.count("office supplies")
    carried = f"{on_first_page:.2f}"
    assert f"Carried forward {carried} {carried}" in first
    assert second.startswith("CINTRA — General ledger")
    assert "Date Journal Entry Label Debit Credit Balance" in second
    assert "606100 Office supplies (continued)" in second
    # The debits are summed; the balance is a running one: carried as its last value.
    assert f"Brought forward {carried} {carried}" in second
    assert f"Invoice {on_first_page + 1} office supplies" in second


def test_carried_balance_is_the_last_one_not_a_sum() -> None:
    statement = ledger(Section("606100 Office supplies", purchases(120, Decimal("10.00"))))

    first = pages_text(render_pdf(statement))[0]

    count = first.count("office supplies")
    assert f"Carried forward {count * 10:,}.00 {count * 10:,}.00" in first


def test_a_long_label_is_wrapped_in_full_never_cut() -> None:
    account_number = "X" * 180  # one word wider than its column
    rows = [
        Row(
            (
                date(2025, 6, 2),
                "AC",
                "AC-00042",
                MISSION,
                Decimal("4321.00"),
                None,
                Decimal("4321.00"),
            )
        ),
        Row((None, None, None, account_number, None, None, None)),
    ]
    statement = ledger(Section("625100 Travel", rows), landscape=False)

    text = pages_text(render_pdf(statement))[0]

    assert " ".join(MISSION.split()) in text  # every word, in order (lines joined)
    assert account_number in text.replace(" ", "")


def test_french_punctuation_stays_with_its_word_when_a_line_breaks() -> None:
    from reports.render.pdf_layout import REGULAR, wrap

    note = "Solde du compte 411 au 31/12/2025 : 1 234,56 ; écart « aucun » ?"
    for width in range(60, 400, 5):  # wider than the longest word and its signs
        lines = wrap(note, REGULAR, 8, width)
        assert not any(line.startswith((":", ";", "?", "»")) for line in lines), lines
        assert not any(line.endswith("«") for line in lines), lines
        assert " ".join(lines).replace("\u00a0", " ") == note


def test_text_from_users_is_printed_literally_never_as_markup() -> None:
    label = "<b>R&D</b> & co <script>alert(1)</script> (draft) \\ back"
    rows = [Row((date(2025, 2, 3), "OD", "OD-00001", label, Decimal("5.00"), None, None))]
    statement = ledger(Section("<i>658</i> & misc", rows), notes=("<para>fine</para> & so",))

    text = pages_text(render_pdf(statement))[0]

    assert label in text
    assert "<i>658</i> & misc" in text
    assert "<para>fine</para> & so" in text


def test_french_accents_and_no_break_spaces_are_drawn_in_helvetica() -> None:
    rows = [
        Row(
            (
                date(2025, 7, 14),
                "AC",
                "AC-00007",
                "Réception façade à Orléans — œuvre",
                Decimal("1500.00"),
                None,
                None,
            )
        )
    ]
    statement = ledger(Section("615000 Entretien et réparations", rows), language="fr")

    text = pages_text(render_pdf(statement))[0]

    assert "Réception façade à Orléans — œuvre" in text
    assert f"1{NBSP}500,00" in text


def _fonts_of(pdf: bytes, page: int = 0) -> dict[str, str]:
    """The font each piece of text of a page is drawn with."""
    fonts: dict[str, str] = {}

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip() and font is not None:
            fonts[" ".join(text.split())] = str(font.get("/BaseFont"))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return fonts


def test_row_styles_are_set_apart() -> None:
    rows = [
        Row((None, None, None, "Opening balance", None, None, Decimal("100.00")), "heading"),
        Row(
            (date(2025, 1, 5), "AC", "AC-00001", "Paper", Decimal("20.00"), None, Decimal("120.00"))
        ),
        Row((None, None, None, "Converted at the chancellery rate", None, None, None), "note"),
        Row(
            (None, None, None, "Total 606100", Decimal("20.00"), None, Decimal("120.00")),
            "subtotal",
        ),
    ]
    statement = ledger(
        Section("606100 Office supplies", rows),
        totals=(Row((None, None, None, "Grand total", Decimal("20.00"), None, None), "total"),),
    )

    fonts = _fonts_of(render_pdf(statement))

    def font_of(words: str) -> str:
        return next(font for text, font in fonts.items() if words in text)

    assert font_of("Paper") == "/Helvetica"
    assert font_of("Opening balance") == "/Helvetica-Bold"
    assert font_of("Total 606100") == "/Helvetica-Bold"
    assert font_of("Grand total") == "/Helvetica-Bold"
    assert font_of("Converted at the chancellery rate") == "/Helvetica-Oblique"


def test_notes_and_the_annex_of_rates_follow_the_body() -> None:
    statement = ledger(
        Section("606100 Office supplies", purchases(2)),
        totals=(Row((None, None, None, "Grand total", Decimal("2.00"), None, None), "total"),),
        notes=("EUR amounts are converted at the chancellery rate of the month.",),
        annex_title="Chancellery rates used",
        annex_columns=(
            Column("month", "Month", "text", 10),
            Column("rate", "EUR rate", "number", 10),
        ),
        annex_rows=(Row(("2025-01", Decimal("1.4523"))), Row(("2025-02", Decimal("1.4611")))),
    )

    text = " ".join(pages_text(render_pdf(statement)))

    body, notes, annex = (text.index(s) for s in ("Grand total", "Notes", "Chancellery rates"))
    assert body < notes < annex
    assert "1. EUR amounts are converted at the chancellery rate of the month." in text
    assert "Month EUR rate 2025-01 1.4523 2025-02 1.4611" in text


def test_landscape_and_portrait_pages() -> None:
    for landscape in (True, False):
        pdf = render_pdf(ledger(Section("606100", purchases(1)), landscape=landscape))
        box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
        assert (box.width > box.height) is landscape


def test_an_empty_statement_still_has_its_title_block() -> None:
    text = pages_text(render_pdf(ledger()))

    assert len(text) == 1
    assert "General ledger" in text[0]
    assert "Page 1 of 1" in text[0]


@dataclass
class _Watch:
    """Counts the rows a generator hands out and how many are still alive at once."""

    yielded: int = 0
    most_alive: int = 0

    def rows(self, count: int) -> Iterator[Row]:
        alive: weakref.WeakSet[Row] = weakref.WeakSet()
        for row in purchases(count):
            alive.add(row)
            self.most_alive = max(self.most_alive, len(alive))
            self.yielded += 1
            yield row
            del row


def test_a_generated_section_of_20000_rows_is_streamed_not_held() -> None:
    watch = _Watch()
    statement = ledger(Section("606100 Office supplies", watch.rows(20_000)))

    pdf = render_pdf(statement)

    assert watch.yielded == 20_000
    assert watch.most_alive <= 3  # a list of the rows would keep all 20,000 alive
    reader = PdfReader(io.BytesIO(pdf))
    last = reader.pages[-1].extract_text()
    assert "Invoice 20000 office supplies" in last
    assert f"Page {len(reader.pages)} of" in last


def test_a_label_longer_than_a_page_runs_on_over_the_next_pages() -> None:
    words = [f"word{number}" for number in range(2500)]
    rows = [
        Row(
            (
                date(2025, 8, 1),
                "OD",
                "OD-00009",
                " ".join(words),
                Decimal("9.00"),
                None,
                Decimal("9.00"),
            )
        )
    ]
    statement = ledger(Section("471000 Suspense", rows), landscape=False)

    pages = pages_text(render_pdf(statement))

    assert len(pages) >= 2
    text = " ".join(pages)
    assert all(word in text for word in (words[0], words[1234], words[-1]))
    assert "Carried forward 9.00 9.00" in pages[0]  # the figures are on the first line


def test_characters_outside_helvetica_do_not_stop_the_render() -> None:
    rows = [
        Row(
            (
                date(2025, 9, 1),
                "AC",
                "AC-00100",
                "Nanyang 南洋理工大学 invoice ✓",
                Decimal("3.00"),
                None,
                None,
            )
        )
    ]

    text = pages_text(render_pdf(ledger(Section("606100", rows))))[0]

    assert "Nanyang" in text and "invoice" in text
    assert "3.00" in text
