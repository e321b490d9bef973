from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    ORGANISATIONS = "organisations", _("organisations")
    PEOPLE = "people", _("people (talent pool)")
    CERTIFICATES = "certificates", _("skill certificates")


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    CHECKING = "checking", _("checking")
    WRITING = "writing", _("writing")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")


# The one table of allowed moves (registry.imports.services._move checks it).
# checking -> checking and writing -> checking: a redelivered task restarts an abandoned job.
S = ImportStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.QUEUED: frozenset({S.CHECKING, S.FAILED}),
    S.CHECKING: frozenset({S.CHECKING, S.WRITING, S.DONE, S.FAILED}),
    S.WRITING: frozenset({S.CHECKING, S.DONE, S.FAILED}),
    S.DONE: frozenset(),
    S.FAILED: frozenset(),
}
RUNNING = frozenset({S.QUEUED, S.CHECKING, S.WRITING})


class ImportJob(models.Model):
    """One uploaded file and what became of it.

    The upload waits in `file` until the job has run and is then deleted: people and certificate
    files carry full resident identity numbers, which the portal never keeps (DESIGN §3). The
    SHA-256 stays, and is what the audit row names. `errors` holds the first errors for the page;
    `report` is the CSV with all of them.
    """

    kind = models.CharField(_("kind"), max_length=16, choices=ImportKind.choices)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("uploaded file"), upload_to="imports/uploads/", max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    encoding = models.CharField(_("encoding"), max_length=32, blank=True)
    dry_run = models.BooleanField(_("check only"), default=False)
    # Messages are written in the language of the person who uploaded the file.
    language = models.CharField(_("language"), max_length=16, default="zh-hans")
    status = models.CharField(_("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED)
    # Incremented by every run that takes the job; a run whose number is no longer current stops.
    attempt = models.PositiveIntegerField(default=0, editable=False)
    total_rows = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    written_rows = models.PositiveIntegerField(_("rows written"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    errors = models.JSONField(_("first errors"), default=list, blank=True)
    failure_reason = models.TextField(_("why the file was refused"), blank=True)
    report = models.FileField(_("error report"), upload_to="imports/reports/", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.original_name}"

    @property
    def running(self) -> bool:
        return self.status in RUNNING

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)
