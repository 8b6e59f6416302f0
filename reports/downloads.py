"""An archived statement handed out as a file: the pages' and the API's download."""

from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.http import content_disposition_header

from reports import archive
from reports.models import IssuedStatement
from reports.services import CONTENT_TYPES


def statement_attachment(issued: IssuedStatement) -> HttpResponseBase:
    """The archived file as an attachment, read from the database in chunks: a file of
    one chunk in one response, a larger one streamed (memory stays bounded)."""
    content_type = CONTENT_TYPES[issued.format]
    response: HttpResponse | StreamingHttpResponse
    if issued.size <= archive.CHUNK:
        response = HttpResponse(b"".join(archive.archive_chunks(issued)), content_type=content_type)
    else:
        response = StreamingHttpResponse(archive.archive_chunks(issued), content_type=content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, issued.file_name) or "attachment"
    )
    response["Content-Length"] = str(issued.size)
    response["Cache-Control"] = "no-store"
    response["X-Statement-SHA256"] = issued.sha256
    return response
