"""Which kind of statement a file is, from its first bytes (never from its name alone);
its name's extension must then agree."""

from pathlib import PurePath

from banking.exceptions import FILE_EXTENSION

CSV, CAMT053, OFX = "csv", "camt053", "ofx"
EXTENSIONS: dict[str, tuple[str, ...]] = {
    CSV: (".csv", ".txt"),
    CAMT053: (".xml", ".053", ".camt"),
    OFX: (".ofx", ".qfx"),
}
KIND_NAMES = {CSV: "CSV", CAMT053: "CAMT.053", OFX: "OFX"}
_HEAD = 4096


def detect_format(data: bytes) -> str | None:
    """csv, camt053 or ofx as the content says; None for anything else (binary, other
    XML)."""
    head = data[:_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")
    upper = head.upper()
    if upper.startswith(b"OFXHEADER") or b"<?OFX" in upper or upper.startswith(b"<OFX>"):
        return OFX
    if head.startswith(b"<"):
        if b"camt.053" in head or b"BkToCstmrStmt" in head:
            return CAMT053
        if b"<OFX>" in upper:
            return OFX
        return None
    if b"\x00" in data[: 64 * 1024] or head.startswith(
        (b"PK\x03\x04", b"%PDF", b"\xd0\xcf\x11\xe0")
    ):
        return None
    return CSV


def extension_problem(name: str, kind: str) -> str | None:
    """Why `name` does not suit a file of `kind`; None when its extension agrees."""
    suffix = PurePath(name).suffix.lower()
    if suffix in EXTENSIONS[kind]:
        return None
    return str(
        FILE_EXTENSION.format(
            name=name, kind=KIND_NAMES[kind], extensions=" / ".join(EXTENSIONS[kind])
        )
    )
