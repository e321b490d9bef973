"""Page forms of the tender exchange. They only parse what is typed (yuan and percentages into
integer hundredths, Beijing-time dates into aware datetimes); the rules live in
marketplace.services, whose errors the views put back on these forms."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, cast

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace import services
from marketplace.models import (
    FULL_MARKS,
    Bid,
    CatalogueEntry,
    Challenge,
    Clarification,
    Lot,
    Openness,
    Score,
    TenderDocument,
    VolumeUnit,
)
from marketplace.models.tenders import AcceptanceQualityLimit
from marketplace.procedures import PROCEDURES, EvaluationMethod, Procedure, procedures_for
from marketplace.selectors import TenderFilters
from marketplace.services.catalogue import CATALOGUE_FIELDS
from marketplace.states import PUBLIC_STATES, TenderState
from portal.forms import HundredthsField, QuickSelect
from portal.money import format_fen
from registry.forms import RegionChoices
from registry.models import Organisation, Region
from registry.taxonomy import Modality, Sector

MAX_ROWS = 50


def _choice(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _organisation_field(form: forms.BaseForm, name: str, label: Any, organisations: list[Organisation]) -> None:
    """A choice among the user's organisations, only when there is more than one to choose from."""
    if len(organisations) > 1:
        form.fields[name] = forms.TypedChoiceField(
            label=label, coerce=int, choices=[(o.pk, o.name) for o in organisations]
        )
        form.order_fields([name, *[field for field in form.fields if field != name]])


def chosen_organisation(form: forms.BaseForm, name: str, organisations: list[Organisation]) -> Organisation:
    """The organisation picked in `_organisation_field` (the only one when there was no choice)."""
    if name not in form.fields:
        return organisations[0]
    return next(o for o in organisations if o.pk == form.cleaned_data[name])


class BeijingDateTimeField(forms.DateTimeField):
    """A `datetime-local` box read and shown in Beijing time (the site's time zone)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("Beijing time (Asia/Shanghai); the server's clock decides."))
        super().__init__(**kwargs)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one box (`<input type=file multiple>`), cleaned to a list."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if not files and self.required:
            raise forms.ValidationError(self.error_messages["required"], code="required")
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


# Searches -------------------------------------------------------------------------------------


class TenderFilterForm(forms.Form):
    """The search of the tender list and of the Atom feed (the same query string works for both)."""

    q = forms.CharField(label=_("Title, reference or buyer"), required=False, max_length=200)
    region = forms.ChoiceField(
        label=_("Region"), required=False, help_text=_("Includes its sub-regions."), widget=QuickSelect
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices], widget=QuickSelect
    )
    modality = forms.ChoiceField(
        label=_("Modality"), required=False, choices=[("", _("All modalities")), *Modality.choices], widget=QuickSelect
    )
    budget_min = HundredthsField(label=_("Budget from (yuan)"), required=False)
    budget_max = HundredthsField(label=_("Budget up to (yuan)"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("All states")), *[(s.value, s.label) for s in PUBLIC_STATES]],
        widget=QuickSelect,
    )
    deadline_after = forms.DateField(
        label=_("Deadline from"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    deadline_before = forms.DateField(
        label=_("Deadline until"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "region").choices = [("", _("All regions")), *region_choices]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("budget_min"), cleaned.get("budget_max")
        if low is not None and high is not None and low > high:
            self.add_error("budget_max", _("The upper budget is below the lower one."))
        after, before = cleaned.get("deadline_after"), cleaned.get("deadline_before")
        if after and before and after > before:
            self.add_error("deadline_before", _("This date is before the “from” date."))
        return cleaned

    def filters(self) -> TenderFilters:
        """The valid form as the selector's filters; dates are whole days in Beijing time."""
        data = self.cleaned_data if self.is_bound else {}
        code = data.get("region")
        return TenderFilters(
            text=data.get("q", ""),
            region=Region.objects.filter(pk=code).first() if code else None,
            sector=data.get("sector", ""),
            modality=data.get("modality", ""),
            budget_min_fen=data.get("budget_min"),
            budget_max_fen=data.get("budget_max"),
            states=(data["state"],) if data.get("state") else (),
            deadline_after=_day_bound(data.get("deadline_after"), time.min),
            deadline_before=_day_bound(data.get("deadline_before"), time.max),
        )


def _day_bound(day: date | None, at: time) -> datetime | None:
    return None if day is None else timezone.make_aware(datetime.combine(day, at))


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label=_("Dataset or annotation needs"), required=False, max_length=200)
    sector = forms.ChoiceField(label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices])
    modality = forms.ChoiceField(
        label=_("Modality"), required=False, choices=[("", _("All modalities")), *Modality.choices]
    )
    openness = forms.ChoiceField(
        label=_("Openness"), required=False, choices=[("", _("Any openness")), *Openness.choices]
    )


class StateFilterForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, choices=[("", _("All states")), *TenderState.choices])


# Catalogue -------------------------------------------------------------------------------------


class CatalogueEntryForm(forms.ModelForm):
    class Meta:
        model = CatalogueEntry
        fields = CATALOGUE_FIELDS
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "annotation_needs": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args: Any, agencies: list[Organisation] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, "agency", _("Agency"), agencies or [])


# Tender drafts ---------------------------------------------------------------------------------


def _procedure_help(procedures: list[Procedure]) -> str:
    return " ".join(
        str(_("%(procedure)s: bids for at least %(days)d days, %(bids)d valid bids needed."))
        % {"procedure": p.label, "days": PROCEDURES[p].min_bid_period.days, "bids": PROCEDURES[p].min_valid_bids}
        for p in procedures
    )


class TenderForm(forms.Form):
    """Step 1 of the wizard: everything but the lots, milestones and documents."""

    catalogue_entry = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 5}))
    procedure = forms.ChoiceField(label=_("Procedure"))
    evaluation_method = forms.ChoiceField(label=_("Evaluation method"), choices=EvaluationMethod.choices)
    price_weight = HundredthsField(label=_("Price weight (%)"), initial=3_000)
    technical_weight = HundredthsField(label=_("Technical weight (%)"), required=False, initial=6_000)
    business_weight = HundredthsField(
        label=_("Business weight (%)"),
        required=False,
        initial=1_000,
        help_text=_("The three weights add up to 100 %. Price-only methods give the price 100 %."),
    )
    deadline = BeijingDateTimeField(label=_("Bid deadline"))
    sector = forms.ChoiceField(label=_("Sector"), choices=Sector.choices)
    region = forms.ChoiceField(label=_("Region"), required=False, help_text=_("Empty: the buyer's own region."))
    acceptance_aql = forms.TypedChoiceField(
        label=_("Acceptance quality limit (AQL, % nonconforming)"),
        coerce=int,
        choices=AcceptanceQualityLimit.choices,
        initial=AcceptanceQualityLimit.AQL_2_5,
        help_text=_("Sampling inspection of deliveries under GB/T 2828.1."),
    )

    def __init__(self, *args: Any, buyers: list[Organisation], region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, "buyer", _("Buyer"), buyers)
        offered = {p for buyer in buyers for p in procedures_for(buyer.kind)}
        procedures = [p for p in Procedure if p in offered]
        field = _choice(self, "procedure")
        field.choices = [(p.value, p.label) for p in procedures]
        field.help_text = _procedure_help(procedures)
        _choice(self, "region").choices = [("", _("The buyer's region")), *region_choices]

    def spec(self, *, lots: list[services.LotSpec], milestones: list[services.MilestoneSpec]) -> services.TenderSpec:
        data = self.cleaned_data
        return services.TenderSpec(
            title=data["title"],
            description=data["description"],
            procedure=data["procedure"],
            evaluation_method=data["evaluation_method"],
            sector=data["sector"],
            deadline=data["deadline"],
            lots=lots,
            milestones=milestones,
            price_weight_bp=data["price_weight"] or 0,
            technical_weight_bp=data["technical_weight"] or 0,
            business_weight_bp=data["business_weight"] or 0,
            acceptance_aql=data["acceptance_aql"],
            region_code=data["region"],
            catalogue_entry_id=data["catalogue_entry"],
        )


class LotForm(forms.Form):
    title = forms.CharField(label=_("Lot title"), max_length=200)
    modality = forms.ChoiceField(label=_("Modality"), choices=[("", "---------"), *Modality.choices])
    volume = forms.IntegerField(label=_("Volume"), min_value=1)
    volume_unit = forms.ChoiceField(label=_("Unit"), choices=VolumeUnit.choices, initial=VolumeUnit.ITEM)
    budget = HundredthsField(label=_("Budget (yuan)"))

    def spec(self) -> services.LotSpec:
        data = self.cleaned_data
        return services.LotSpec(
            title=data["title"],
            modality=data["modality"],
            volume=data["volume"],
            volume_unit=data["volume_unit"],
            budget_fen=data["budget"],
        )


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    share = HundredthsField(label=_("Share of the contract value (%)"))

    def spec(self) -> services.MilestoneSpec:
        return services.MilestoneSpec(title=self.cleaned_data["title"], share_bp=self.cleaned_data["share"])


class RowsFormSet(forms.BaseFormSet):
    """Rows typed on one page, any of which may be left blank (blank rows are skipped). Every row
    may be empty, so a row shown again after "add a row" is not held to its old initial values."""

    def _construct_form(self, i: int, **kwargs: Any) -> forms.Form:
        kwargs["empty_permitted"] = True
        return super()._construct_form(i, **kwargs)  # type: ignore[misc]

    def specs(self) -> list[Any]:
        return [form.spec() for form in self.forms if form.cleaned_data]

    def typed_rows(self) -> list[dict[str, Any]]:
        """Every row as typed, valid or not (to show the page again unchecked)."""
        return [{name: form[name].value() for name in form.fields} for form in self.forms]


# The views give every row, blank ones included, as `initial`: no extra rows of the formset's own.
LotFormSet = cast(
    type[RowsFormSet], forms.formset_factory(LotForm, formset=RowsFormSet, extra=0, max_num=MAX_ROWS, validate_max=True)
)
MilestoneFormSet = cast(
    type[RowsFormSet],
    forms.formset_factory(MilestoneForm, formset=RowsFormSet, extra=0, max_num=MAX_ROWS, validate_max=True),
)


class TenderDocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200, required=False, help_text=_("Empty: the file name."))
    file = forms.FileField(label=_("File"))


# Published tenders -----------------------------------------------------------------------------


class TenderAmendForm(forms.Form):
    rationale = forms.CharField(label=_("What changes and why"), widget=forms.Textarea(attrs={"rows": 4}))
    documents = MultipleFileField(label=_("New documents"), required=False)
    superseded = forms.TypedMultipleChoiceField(
        label=_("Documents replaced or withdrawn"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    deadline = BeijingDateTimeField(
        label=_("New bid deadline"),
        required=False,
        help_text=_("Optional; a deadline can only move later. Beijing time."),
    )

    def __init__(self, *args: Any, current: list[TenderDocument], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedMultipleChoiceField, self.fields["superseded"])
        field.choices = [(d.pk, f"{d.title} (v{d.version}, {d.sha256[:12]}…)") for d in current]


class TenderCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the cancellation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("It is published with the tender."),
    )


class TenderRetenderForm(forms.Form):
    deadline = BeijingDateTimeField(label=_("Bid deadline of the new tender"))


# Clarifications --------------------------------------------------------------------------------


class ClarificationAskForm(forms.Form):
    question = forms.CharField(
        label=_("Your question"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The answer is published to everyone, without your organisation's name."),
    )

    def __init__(self, *args: Any, vendors: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, "vendor", _("Asking for"), vendors)


class ClarificationAnswerForm(forms.Form):
    """The answer to one question; its prefix names the question, so that a page of unanswered
    questions shows each form's errors under its own question."""

    answer = forms.CharField(
        label=_("Answer"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Published to everyone at once."),
    )

    @classmethod
    def for_question(cls, clarification: Clarification, data: Any = None) -> ClarificationAnswerForm:
        return cls(data, prefix=f"answer-{clarification.pk}")


# Bids ------------------------------------------------------------------------------------------


class BidForm(forms.Form):
    """A sealed bid on one lot. `token` is the idempotency key of this rendering of the form: a
    second submission of the same rendering replays the first instead of bidding again."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=64)
    lot = forms.TypedChoiceField(label=_("Lot"), coerce=int)
    price = HundredthsField(label=_("Price (yuan)"), help_text=_("Sealed until the opening; nobody else sees it."))
    documents = MultipleFileField(
        label=_("Technical documents"), help_text=_("One or more files; they are sealed with the price.")
    )

    def __init__(self, *args: Any, vendors: list[Organisation], lots: list[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, "vendor", _("Bidding as"), vendors)
        _choice(self, "lot").choices = [
            (lot.pk, f"{lot.number}. {lot.title} (¥{format_fen(lot.budget_fen)})") for lot in lots
        ]

    def clean_documents(self) -> list[UploadedFile]:
        documents: list[UploadedFile] = self.cleaned_data["documents"]
        limit = settings.BID_DOCUMENTS_MAX_BYTES
        # Refused before any file is read into memory; the service checks the content again.
        if sum(d.size or 0 for d in documents) > limit:
            raise forms.ValidationError(
                _("The documents of a bid may total at most %(mb)d MB.") % {"mb": limit // 2**20}
            )
        return documents

    def document_inputs(self) -> list[services.BidDocumentInput]:
        return [
            services.BidDocumentInput(
                name=upload.name or "document",
                content=upload.read(),
                media_type=upload.content_type or "application/octet-stream",
            )
            for upload in self.cleaned_data["documents"]
        ]


# Saved searches --------------------------------------------------------------------------------


class SavedSearchForm(forms.Form):
    """A search of the tender list to keep. Its filters carry the tender search's names (`q`,
    `budget_min`…), so the search page's query string fills it in; the service checks the rest."""

    name = forms.CharField(label=_("Name of the search"), max_length=100)
    q = forms.CharField(label=_("Title, reference or buyer"), required=False, max_length=200)
    region = forms.ChoiceField(
        label=_("Region"), required=False, help_text=_("Includes its sub-regions."), widget=QuickSelect
    )
    sector = forms.ChoiceField(
        label=_("Sector"), required=False, choices=[("", _("All sectors")), *Sector.choices], widget=QuickSelect
    )
    modality = forms.ChoiceField(
        label=_("Modality"), required=False, choices=[("", _("All modalities")), *Modality.choices], widget=QuickSelect
    )
    budget_min = HundredthsField(label=_("Budget from (yuan)"), required=False)
    budget_max = HundredthsField(label=_("Budget up to (yuan)"), required=False)

    # The service's names of the fields whose names differ here.
    SERVICE_NAMES: dict[str, str | None] = {
        "text": "q",
        "budget_min_fen": "budget_min",
        "budget_max_fen": "budget_max",
    }
    FILTERS = ("q", "region", "sector", "modality", "budget_min", "budget_max")

    def __init__(self, *args: Any, region_choices: RegionChoices, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "region").choices = [("", _("All regions")), *region_choices]

    @classmethod
    def initial_from(cls, query: Any) -> dict[str, Any]:
        """The filters of a tender search's query string, named after the search if it has words."""
        initial = {name: query.get(name) for name in cls.FILTERS if query.get(name)}
        if initial.get("q"):
            initial["name"] = initial["q"][:100]
        return initial

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "text": data["q"],
            "region_code": data["region"],
            "sector": data["sector"],
            "modality": data["modality"],
            "budget_min_fen": data["budget_min"],
            "budget_max_fen": data["budget_max"],
        }


# Publicity, challenges, award and contracts ----------------------------------------------------


class PubliciseForm(forms.Form):
    """How long the candidates stay in publicity; the service holds the limits (3 to 30 days)."""

    days = forms.IntegerField(
        label=_("Days of publicity"),
        initial=3,
        help_text=_("At least 3 days. Bidders may challenge the candidates until the window closes."),
    )


class ChallengeForm(forms.Form):
    grounds = forms.CharField(
        label=_("Grounds of the challenge"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The agency's answer is published with your grounds, without your organisation's name."),
    )

    def __init__(self, *args: Any, vendors: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _organisation_field(self, "vendor", _("Challenging as"), vendors)


class ChallengeAnswerForm(forms.Form):
    """The answer to one challenge; its prefix names the challenge, so that a page of pending
    challenges shows each form's errors under its own challenge."""

    UPHELD, REJECTED = "upheld", "rejected"

    answer = forms.CharField(
        label=_("Answer"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Published to everyone at once, without the challenger's name."),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        widget=forms.RadioSelect,
        choices=[
            (REJECTED, _("Rejected: the candidates stand")),
            (UPHELD, _("Upheld: the committee evaluates the bids again")),
        ],
    )

    @classmethod
    def for_challenge(cls, challenge: Challenge, data: Any = None) -> ChallengeAnswerForm:
        return cls(data, prefix=f"answer-{challenge.pk}")

    @property
    def upheld(self) -> bool:
        return self.cleaned_data["outcome"] == self.UPHELD


class ContractMilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    share = HundredthsField(label=_("Share of the contract value (%)"))
    due_on = forms.DateField(
        label=_("Due on"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def spec(self) -> services.ContractMilestoneSpec:
        data = self.cleaned_data
        return services.ContractMilestoneSpec(title=data["title"], share_bp=data["share"], due_on=data["due_on"])


ContractMilestoneFormSet = cast(
    type[RowsFormSet],
    forms.formset_factory(ContractMilestoneForm, formset=RowsFormSet, extra=0, max_num=MAX_ROWS, validate_max=True),
)


class ContractTerminateForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the termination"),
        max_length=5_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("It is published with the contract."),
    )


# --- scoring: the expert's score sheet ---------------------------------------------------------


class ScoreField(HundredthsField):
    """A score out of 100 with at most two decimals, typed as "85.5", cleaned to hundredths (8,550)."""

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        score = super().to_python(value)
        if score is not None and score > FULL_MARKS:
            raise forms.ValidationError(_("Scores are from 0 to 100 with at most two decimals."), code="range")
        return score


class ScoreRow:
    """One bid's line of the sheet: its fields (None for a score the tender does not weigh)."""

    def __init__(self, form: ScoreSheetForm, bid: Bid) -> None:
        self.bid = bid
        self.qualified = form[f"qualified_{bid.pk}"]
        self.reason = form[f"reason_{bid.pk}"]
        self.technical = form[f"technical_{bid.pk}"] if f"technical_{bid.pk}" in form.fields else None
        self.business = form[f"business_{bid.pk}"] if f"business_{bid.pk}" in form.fields else None


class ScoreSheetForm(forms.Form):
    """One row per bid: qualified or not (a reason when not), and the technical and business scores
    the tender weighs. "Save draft" keeps the rows touched so far (an untouched row stays blank);
    "Submit (final)" needs every qualified bid scored."""

    final = forms.BooleanField(required=False)

    def __init__(
        self,
        *args: Any,
        bids: list[Bid],
        scores: dict[int, Score],
        weighs_technical: bool,
        weighs_business: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.bids = bids
        for bid in bids:
            score = scores.get(bid.pk)
            bidder = bid.vendor.name
            self.fields[f"qualified_{bid.pk}"] = forms.BooleanField(
                label=_("Qualified"), required=False, initial=score.qualified if score else True
            )
            self.fields[f"reason_{bid.pk}"] = forms.CharField(
                label=_("Reason for disqualification"),
                required=False,
                max_length=5_000,
                widget=forms.Textarea(attrs={"rows": 2, "aria-label": _("Reason for disqualification: %s") % bidder}),
                initial=score.disqualification_reason if score else "",
            )
            if weighs_technical:
                self.fields[f"technical_{bid.pk}"] = ScoreField(
                    label=_("Technical score"),
                    required=False,
                    initial=score.technical if score else None,
                    widget=forms.TextInput(attrs={"size": 6, "aria-label": _("Technical score: %s") % bidder}),
                )
            if weighs_business:
                self.fields[f"business_{bid.pk}"] = ScoreField(
                    label=_("Business score"),
                    required=False,
                    initial=score.business if score else None,
                    widget=forms.TextInput(attrs={"size": 6, "aria-label": _("Business score: %s") % bidder}),
                )

    def rows_by_lot(self) -> list[tuple[Lot, list[ScoreRow]]]:
        lots: dict[int, tuple[Lot, list[ScoreRow]]] = {}
        for bid in self.bids:
            lots.setdefault(bid.lot_id, (bid.lot, []))[1].append(ScoreRow(self, bid))
        return list(lots.values())

    def _scored(self, bid: Bid) -> list[str]:
        return [name for name in (f"technical_{bid.pk}", f"business_{bid.pk}") if name in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for bid in self.bids:
            reason = f"reason_{bid.pk}"
            if not data.get(f"qualified_{bid.pk}"):
                if not (data.get(reason) or "").strip() and reason not in self.errors:
                    self.add_error(reason, _("Give the reason for disqualifying a bid."))
            elif data.get("final"):
                for name in self._scored(bid):
                    if data.get(name) is None and name not in self.errors:
                        self.add_error(name, _("Score every qualified bid before submitting."))
        return data

    def score_inputs(self) -> list[services.ScoreInput]:
        data = self.cleaned_data
        inputs = []
        for bid in self.bids:
            qualified = bool(data.get(f"qualified_{bid.pk}"))
            values = {name.partition("_")[0]: data.get(name) for name in self._scored(bid)}
            untouched = qualified and values and all(value is None for value in values.values())
            if untouched and not data.get("final"):
                continue
            inputs.append(
                services.ScoreInput(
                    bid_id=bid.pk,
                    qualified=qualified,
                    technical=values.get("technical") or 0,
                    business=values.get("business") or 0,
                    reason=data.get(f"reason_{bid.pk}") or "",
                )
            )
        return inputs


# Evaluation committee --------------------------------------------------------------------------


class CommitteeSizeForm(forms.Form):
    """The agency's one choice: how many experts sit (the service checks odd and at least 5)."""

    size = forms.IntegerField(
        label=_("Number of members"),
        initial=5,
        min_value=1,
        max_value=99,
        help_text=_("An odd number, at least 5. The experts are drawn at random by the server."),
    )


class MemberDeclineForm(forms.Form):
    declaration = forms.CharField(
        label=_("Your conflict of interest"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Say how you are tied to the buyer or a bidder (employment, directorship, holding, a relative…). "
            "The buyer's staff and auditors read it."
        ),
    )
