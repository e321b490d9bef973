"""The operators' import pages: upload, the job with its progress bar, the error report, templates."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from portal.errors import NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import is_operator, signed_in, visible_or_404
from portal.uploads import SizeLimitedUploadHandler
from registry.imports import selectors, services
from registry.imports.columns import HELP, SCHEMAS
from registry.imports.forms import ImportUploadForm
from registry.imports.models import ImportKind
from registry.imports.reading import size_text, write_csv

PAGE_SIZE = 20


def _require_operator(request: HttpRequest) -> None:
    if not is_operator(request.user):
        raise PermissionDenied(_("Only platform operators import registry data."))


@csrf_exempt  # checked by `_upload` once the size-limiting handler is in place (Django's documented pattern)
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    _require_operator(request)
    handler = SizeLimitedUploadHandler(request, max_bytes=settings.IMPORT_MAX_BYTES)
    if request.method == "POST":
        request.upload_handlers = [handler, *request.upload_handlers]
    return _upload(request, handler)


@csrf_protect
def _upload(request: HttpRequest, handler: SizeLimitedUploadHandler) -> HttpResponse:
    form = ImportUploadForm()
    if request.method == "POST":
        files = request.FILES  # parses the body: only then does the handler know the size
        too_large = (
            _("The file is larger than %(limit)s, the largest that can be imported. Split it into smaller files.")
            % {"limit": size_text(settings.IMPORT_MAX_BYTES)}
            if handler.too_large
            else ""
        )
        form = ImportUploadForm(request.POST, files, too_large_message=too_large)
        if form.is_valid():
            try:
                job = services.import_job_create(
                    actor=signed_in(request.user),
                    kind=form.cleaned_data["kind"],
                    upload=form.cleaned_data["file"],
                    dry_run=form.cleaned_data["dry_run"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("imports:job-detail", pk=job.pk)
    jobs = selectors.import_jobs_visible_to(user=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "schemas": [
            (kind, [(column, HELP.get(column.name, "")) for column in SCHEMAS[kind].columns], SCHEMAS[kind].one_of)
            for kind in ImportKind
        ],
        "max_size": size_text(settings.IMPORT_MAX_BYTES),
    }
    return render(request, "registry/imports/upload.html", context, status=400 if form.errors else 200)


def import_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = visible_or_404(selectors.import_jobs_visible_to(user=request.user), pk=pk)
    return render(request, "registry/imports/job_detail.html", {"job": job})


def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the job page that htmx polls every second while the job runs."""
    job = visible_or_404(selectors.import_jobs_visible_to(user=request.user), pk=pk)
    return render(request, "registry/imports/_job_progress.html", {"job": job})


def import_job_report(request: HttpRequest, pk: int) -> FileResponse:
    job = visible_or_404(selectors.import_jobs_visible_to(user=request.user), pk=pk)
    if not job.report:
        raise NotFound()
    return FileResponse(
        job.report.open("rb"),
        as_attachment=True,
        filename=f"import-{job.pk}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """An empty file with the header row: Chinese labels on the Chinese site, English names otherwise."""
    _require_operator(request)
    if kind not in ImportKind.values:
        raise NotFound()
    chinese = translation.get_language() == "zh-hans"
    header = [column.labels[0] if chinese and column.labels else column.name for column in SCHEMAS[kind].columns]
    response = HttpResponse(write_csv([header]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
    return response
