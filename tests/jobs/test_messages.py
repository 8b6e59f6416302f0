"""What a worker records in English, read in French: the catalogue's templates matched,
their values read again, anything unknown shown as recorded."""

from django.utils import translation

from jobs.exceptions import FILE_REFUSED, UNEXPECTED
from jobs.messages import message_in
from ledger.exceptions import NOT_PERMITTED, PERIOD_CLOSED
from reports.exceptions import NO_FISCAL_YEAR, UNKNOWN_KIND


def english(template: object, **values: object) -> str:
    with translation.override("en"):
        return str(template).format(**values) if values else str(template)


def french(template: object, **values: object) -> str:
    with translation.override("fr"):
        return str(template).format(**values) if values else str(template)


def test_a_message_with_its_values_is_read_in_french():
    recorded = english(NO_FISCAL_YEAR, lab="CINTRA", year=1999)

    assert message_in(recorded, "fr") == french(NO_FISCAL_YEAR, lab="CINTRA", year=1999)
    assert message_in(recorded, "en") == recorded


def test_a_value_shown_with_its_quotes_keeps_them():
    recorded = english(UNKNOWN_KIND, kind="ledger", kinds="trial-balance, journal")

    assert message_in(recorded, "fr") == french(
        UNKNOWN_KIND, kind="ledger", kinds="trial-balance, journal"
    )


def test_a_message_inside_a_message_is_read_in_french_too():
    inner = english(PERIOD_CLOSED, ref="ACH-2025-000001", period="2025-03", lab="CINTRA")
    recorded = english(NOT_PERMITTED, user="ana", action=inner, lab="CINTRA")
    with translation.override("fr"):
        wanted = str(NOT_PERMITTED).format(
            user="ana",
            action=str(PERIOD_CLOSED).format(ref="ACH-2025-000001", period="2025-03", lab="CINTRA"),
            lab="CINTRA",
        )

    assert message_in(recorded, "fr") == wanted


def test_each_line_is_read_alone_and_an_unknown_line_is_kept():
    recorded = "\n".join([english(FILE_REFUSED), "Something no template says", english(UNEXPECTED)])

    assert message_in(recorded, "fr").splitlines() == [
        french(FILE_REFUSED),
        "Something no template says",
        french(UNEXPECTED),
    ]
    assert message_in("", "fr") == ""
