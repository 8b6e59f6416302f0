"""Renderers: a `Statement` in, the bytes of a file out (`pdf.render_pdf`,
`xlsx.render_xlsx`); generic for any statement, so every format carries the same figures."""
