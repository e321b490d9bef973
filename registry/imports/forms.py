from django import forms
from django.utils.translation import gettext_lazy as _

from registry.imports.models import ImportKind


class ImportUploadForm(forms.Form):
    """Parses the upload only; `registry.imports.services.import_job_create` checks it."""

    kind = forms.ChoiceField(label=_("The file holds"), choices=ImportKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (UTF-8 or GBK) or XLSX with one sheet; the first row names the columns."),
    )
    dry_run = forms.BooleanField(label=_("Only check the file, write nothing"), required=False)

    def __init__(self, *args: object, too_large_message: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.too_large_message = too_large_message
        if too_large_message:  # the upload handler dropped the file: say why instead of "required"
            self.fields["file"].required = False

    def clean_file(self) -> object:
        if self.too_large_message:
            raise forms.ValidationError(self.too_large_message)
        return self.cleaned_data["file"]
