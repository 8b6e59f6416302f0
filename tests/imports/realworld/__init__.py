"""Real-world spreadsheets: files made by the programs accountants use (LibreOffice in
several locales, Excel's CSV encodings), with what each must book or why it is refused."""
