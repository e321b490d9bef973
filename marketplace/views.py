from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace import selectors


def index(request: HttpRequest) -> HttpResponse:
    """The tender exchange's front page; tender listings arrive with the exchange itself."""
    return render(request, "marketplace/index.html")


def tender_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A published tender document (any version, so that what bidders saw stays available)."""
    document = selectors.tender_document_for(user=request.user, tender_pk=pk, document_pk=document_pk)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])
