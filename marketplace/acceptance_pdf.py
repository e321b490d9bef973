"""The acceptance report as a PDF (验收报告), in the reader's language, with fpdf2.

Chinese text needs a CJK font: settings.ACCEPTANCE_PDF_FONT (Noto Sans SC, copied by `make
assets` from node_modules), which fpdf2 embeds as a subset holding only the characters used. The
report says what the page says (`marketplace.acceptance_display`), under the same side rules: the
caller passes the defects `selectors.defects_for_side` gave for the reader's side, so the
supplier's PDF never holds a gold label.

The document's dates are the report's own (scored, or decided), so the same report gives the same
bytes every time it is downloaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from marketplace.acceptance_display import NOTHING, DefectTable, MetricTable, metric_tables
from marketplace.models import AcceptanceReport, Delivery

FONT = "NotoSansSC"
HEADINGS = FontFace(emphasis="", fill_color=(235, 235, 235))
DIGEST = FontFace(size_pt=8)  # a SHA-256 or a seed in hexadecimal: on one line
RED = (179, 38, 30)
BLACK = (0, 0, 0)
GREY = (90, 90, 90)


def _font_path() -> Path:
    path = Path(settings.ACCEPTANCE_PDF_FONT)
    if not path.is_file():
        raise ImproperlyConfigured(
            f"The font of the acceptance reports is missing: {path} (settings.ACCEPTANCE_PDF_FONT). "
            "Run `make assets` to copy Noto Sans SC from node_modules, or point ACCEPTANCE_PDF_FONT at a "
            "TrueType font with Chinese glyphs."
        )
    return path


def _is_digest(value: str) -> bool:
    return len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def _when(value: object) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else NOTHING  # type: ignore[arg-type]


class _Report(FPDF):
    def __init__(self, footer_text: str) -> None:
        super().__init__(format="A4")
        self.footer_text = footer_text
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 18, 18)
        self.add_font(FONT, fname=str(_font_path()))

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, size=8)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"{self.footer_text} · {self.page_no()}/{{nb}}", align="C")
        self.set_text_color(*BLACK)

    def heading(self, text: str, size: int = 13) -> None:
        self.ln(3)
        self.set_font(FONT, size=size)
        self.set_text_color(*RED)
        self.multi_cell(0, size * 0.55, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(*BLACK)
        self.set_font(FONT, size=9.5)
        self.ln(1)

    def paragraph(self, text: str) -> None:
        self.set_font(FONT, size=9.5)
        self.multi_cell(0, 5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Two columns: what, and its value (long values wrap)."""
        with self.table(
            col_widths=(58, 116),
            first_row_as_headings=False,
            line_height=5.5,
            borders_layout="HORIZONTAL_LINES",
            text_align="LEFT",
        ) as table:
            for name, value in rows:
                row = table.row()
                row.cell(name)
                row.cell(value, style=DIGEST if _is_digest(value) else None)

    def grid(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        *,
        align_numbers: bool = True,
    ) -> None:
        """A table with a heading row; the columns after the first are right-aligned numbers."""
        with self.table(
            headings_style=HEADINGS,
            col_widths=tuple(widths),
            line_height=5.5,
            text_align=("LEFT", *(["RIGHT" if align_numbers else "LEFT"] * (len(header) - 1))),
        ) as table:
            for cells in [header, *rows]:
                row = table.row()
                for cell in cells:
                    row.cell(cell)


def acceptance_report_pdf(
    *,
    delivery: Delivery,
    report: AcceptanceReport,
    metrics: Mapping[str, Any],
    defects: DefectTable,
    seed: str,
) -> bytes:
    """The report of a scored delivery. `defects` is the `defect_table` of `defects_for_side` for
    the reader's side and `metrics` its `metrics_for_side`; `seed` is the revealed seed."""
    contract = delivery.contract
    milestone = delivery.milestone
    plan = delivery.plan
    pdf = _Report(
        footer_text=_("Acceptance report · contract %(contract)s · delivery %(number)s")
        % {"contract": contract.reference or contract.pk, "number": delivery.number}
    )
    pdf.set_creation_date(report.decided_at or report.scored_at)
    pdf.set_title(_("Acceptance report"))
    pdf.set_author(contract.buyer.name)
    pdf.set_lang(translation.get_language() or settings.LANGUAGE_CODE)
    pdf.add_page()

    pdf.heading(_("Acceptance report"), size=18)
    pdf.paragraph(f"{contract.title}")
    pdf.facts(
        [
            (_("Contract number"), contract.reference or NOTHING),
            (_("Buyer"), contract.buyer.name),
            (_("Supplier"), contract.supplier.name),
            (_("Milestone"), f"{milestone.position}. {milestone.title}"),
            (_("Delivery"), f"{delivery.number} · {delivery.original_name}"),
            (_("SHA-256 of the file"), delivery.sha256),
            (_("Uploaded at (Beijing time)"), _when(delivery.uploaded_at)),
            (_("Items delivered"), str(delivery.item_count if delivery.item_count is not None else NOTHING)),
            (_("Scored at (Beijing time)"), _when(report.scored_at)),
        ]
    )

    pdf.heading(_("Sampling plan (GB/T 2828.1, single sampling, normal inspection, level II)"))
    pdf.facts(
        [
            (_("Annotation type"), str(plan.get_kind_display())),
            (_("File format"), str(plan.get_format_display())),
            (_("Lot size (items)"), str(plan.lot_size)),
            (_("AQL"), str(plan.get_aql_display())),
            (_("Sample size code letter"), plan.code_letter),
            (
                _("Sample size"),
                str(report.sample_size) + (f" ({_('full inspection')})" if plan.full_inspection else ""),
            ),
            (_("Acceptance number (Ac)"), str(report.accept_number)),
            (_("Rejection number (Re)"), str(report.reject_number)),
            (_("Defects in the sample"), str(report.defect_count)),
            (_("Result of the sampling"), str(report.get_proposed_display())),
        ]
    )

    pdf.heading(_("Sampling seed"))
    pdf.facts(
        [
            (_("Seed (revealed)"), seed or NOTHING),
            (_("SHA-256 of the seed, committed before the delivery"), delivery.seed.digest),
        ]
    )
    pdf.paragraph(
        _(
            "To verify: the SHA-256 of the seed's bytes (decoded from hexadecimal) equals the digest shown "
            "before the delivery arrived, and the sample is the draw of marketplace.quality.draw_sample over "
            "the sorted gold item ids with that seed."
        )
    )

    pdf.heading(_("Decision"))
    if report.decision:
        decided = [
            (_("Decision"), str(report.get_decision_display())),
            (_("Decided at (Beijing time)"), _when(report.decided_at)),
        ]
        if report.overridden:
            decided.append((_("Reason for overriding the sampling's result"), report.override_reason))
        pdf.facts(decided)
    else:
        pdf.paragraph(_("The buyer has not decided yet."))

    for table in metric_tables(metrics):
        _metric_table(pdf, table)

    pdf.heading(_("Defects in the sample"))
    if not defects.rows:
        pdf.paragraph(_("No sampled item is defective."))
    else:
        first = 174 - 40 * (len(defects.header) - 1)
        pdf.grid(defects.header, defects.rows, widths=(first, *([40] * (len(defects.header) - 1))), align_numbers=False)
    return bytes(pdf.output())


def _metric_table(pdf: _Report, table: MetricTable) -> None:
    if not table.rows:
        return
    pdf.heading(table.title, size=11)
    first = 174 - 26 * (len(table.header) - 1)
    pdf.grid(table.header, table.rows, widths=(first, *([26] * (len(table.header) - 1))))
