"""The CSV layouts of Singapore banks' exports, as column mappings of a bank account
(the csv_* fields of `banking.models.BankAccount`), to start a new account from."""

from typing import Any

PRESETS: dict[str, dict[str, Any]] = {
    "dbs": {
        "csv_date_column": "Transaction Date",
        "csv_date_format": "%d %b %Y",
        "csv_value_date_column": "",
        "csv_amount_column": "",
        "csv_debit_column": "Debit Amount",
        "csv_credit_column": "Credit Amount",
        "csv_description_columns": "Transaction Ref1, Transaction Ref3",
        "csv_reference_column": "Transaction Ref2",
        "csv_decimal_separator": ".",
        "csv_delimiter": ",",
        "csv_skip_rows": 0,
    },
    "ocbc": {
        "csv_date_column": "Transaction date",
        "csv_date_format": "%d/%m/%Y",
        "csv_value_date_column": "Value date",
        "csv_amount_column": "",
        "csv_debit_column": "Withdrawals (SGD)",
        "csv_credit_column": "Deposits (SGD)",
        "csv_description_columns": "Description",
        "csv_reference_column": "",
        "csv_decimal_separator": ".",
        "csv_delimiter": ",",
        "csv_skip_rows": 0,
    },
    "uob": {
        "csv_date_column": "Transaction Date",
        "csv_date_format": "%d/%m/%Y",
        "csv_value_date_column": "Value Date",
        "csv_amount_column": "",
        "csv_debit_column": "Withdrawal",
        "csv_credit_column": "Deposit",
        "csv_description_columns": "Description",
        "csv_reference_column": "Your Reference",
        "csv_decimal_separator": ".",
        "csv_delimiter": ",",
        "csv_skip_rows": 0,
    },
}
