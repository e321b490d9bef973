"""The voucher officers' pages: programmes (create, edit, open / pause / close, report, CSV),
the application and claim queues, reviews, disbursement and cancellation, and who may see them."""

from __future__ import annotations

import csv
import datetime
import io
from urllib.parse import quote

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind
from tests.factories.registry import OrganisationFactory, UserFactory
from tests.factories.vouchers import (
    YUAN,
    authority_of,
    evidence_file,
    external_order,
    holder_staff,
    issued_voucher,
    officer,
    officer_of,
    open_programme,
    programme_spec,
)
from vouchers import selectors, services
from vouchers.models import (
    Account,
    Application,
    ApplicationState,
    ClaimState,
    LedgerTransaction,
    Programme,
    ProgrammeState,
    ProviderRule,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.verification import ledger_violations
from vouchers.views import officer as officer_views

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sign_in(client):
    """`sign_in(user)`: the test client signed in as `user` (None: anonymous), in English."""

    def as_user(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return as_user


def _application(programme, user=None, amount_fen=40_000 * YUAN) -> Application:
    user = user or holder_staff()
    return services.application_submit(
        actor=user,
        programme=programme,
        applicant=user.memberships.get().organisation,
        requested_fen=amount_fen,
        purpose="采购医疗影像标注服务",
        evidence=evidence_file(),
    )


def _draft(actor) -> Programme:
    return services.programme_create(actor=actor, authority=authority_of(actor), spec=programme_spec())


def _vendor(region_code: str = "510100"):
    return OrganisationFactory(kind=OrganisationKind.VENDOR, region_code=region_code, verified=True)


def _claim(programme, holder_user, amount_fen=10_000 * YUAN) -> SettlementClaim:
    """A claim on a redemption against an external order (settled without a contract's payments)."""
    voucher = issued_voucher(programme, holder_user)
    order = external_order(holder_user, _vendor())
    outcome = services.voucher_redeem(actor=holder_user, code=voucher.code, order_id=order.pk, amount_fen=amount_fen)
    return services.claim_submit(actor=holder_user, redemption=outcome.redemption, evidence=evidence_file())


def _form_data(**overrides) -> dict[str, object]:
    data = {
        "name": "深圳市算力券（2025）",
        "kind": "compute",
        "year": TODAY.year,
        "budget": "1,000,000.00",
        "coverage": "50",
        "holder_cap": "100000",
        "valid_from": (TODAY - datetime.timedelta(days=1)).isoformat(),
        "valid_until": (TODAY + datetime.timedelta(days=200)).isoformat(),
        "holder_region": "440300",
        "holder_kinds": ["enterprise", "vendor"],
        "provider_rule": "region",
        "provider_region": "510000",
        "providers": "",
        "rules": "须提交算力租用合同。",
    }
    data.update(overrides)
    return data


# --- Programmes: create, edit ---------------------------------------------------------------


def test_an_officer_creates_a_draft_programme_from_the_form(sign_in):
    user = officer()
    response = sign_in(user).post(reverse("vouchers:programme-create"), _form_data())
    programme = Programme.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:programme-manage", kwargs={"pk": programme.pk})
    assert programme.authority == authority_of(user)
    assert programme.state == ProgrammeState.DRAFT
    assert programme.budget_fen == 1_000_000 * YUAN
    assert programme.coverage_bp == 5_000
    assert programme.holder_cap_fen == 100_000 * YUAN
    assert programme.holder_kinds == ["enterprise", "vendor"]
    assert programme.provider_region_id == "510000"
    assert programme.created_by == user
    entry = AuditEntry.objects.get(action="voucher_programme.create")
    assert entry.object_id == str(programme.pk)
    assert entry.actor == user
    assert entry.after["budget_fen"] == 1_000_000 * YUAN
    assert not LedgerTransaction.objects.exists()  # a draft is not funded


def test_listed_providers_are_typed_as_credit_codes_one_a_line(sign_in):
    first, second = _vendor(), _vendor("340100")
    data = _form_data(
        provider_rule="list", provider_region="", providers=f"{first.credit_code}\n  {second.credit_code.lower()}  \n\n"
    )
    response = sign_in(officer()).post(reverse("vouchers:programme-create"), data)
    assert response.status_code == 302
    programme = Programme.objects.get()
    assert programme.provider_rule == ProviderRule.LIST
    assert set(programme.providers.all()) == {first, second}


def test_terms_the_service_refuses_are_shown_on_their_fields_and_nothing_is_created(sign_in):
    data = _form_data(
        coverage="150",
        holder_cap="2,000,000",
        valid_until=(TODAY - datetime.timedelta(days=10)).isoformat(),
        holder_region="110000",
        provider_rule="list",
        providers="91440300MA5XXXXXX0",
    )
    response = sign_in(officer()).post(reverse("vouchers:programme-create"), data)
    assert response.status_code == 400
    page = response.content.decode()
    for field in ("coverage", "holder_cap", "valid_until", "holder_region", "providers"):
        assert f'data-field="{field}"' in page, field
    assert "The cap per holder cannot exceed the budget." in page
    assert not Programme.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="voucher_programme").exists()


def test_amounts_that_are_not_numbers_are_refused_by_the_form(sign_in):
    response = sign_in(officer()).post(
        reverse("vouchers:programme-create"), _form_data(budget="一百万", holder_kinds=[])
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-field="budget"' in page
    assert 'data-field="holder_kinds"' in page
    assert not Programme.objects.exists()


def test_a_draft_is_edited_and_shown_back_in_yuan(sign_in):
    user = officer()
    programme = _draft(user)
    client = sign_in(user)
    form_page = client.get(reverse("vouchers:programme-edit", kwargs={"pk": programme.pk}))
    assert form_page.status_code == 200
    assert 'value="1000000.00"' in form_page.content.decode()  # the budget, in yuan
    assert 'value="50.00"' in form_page.content.decode()  # the coverage, in per cent
    response = client.post(
        reverse("vouchers:programme-edit", kwargs={"pk": programme.pk}), _form_data(budget="2000000", coverage="30")
    )
    assert response.status_code == 302
    programme.refresh_from_db()
    assert (programme.budget_fen, programme.coverage_bp) == (2_000_000 * YUAN, 3_000)
    assert AuditEntry.objects.filter(action="voucher_programme.update", object_id=str(programme.pk)).exists()


def test_an_open_programme_cannot_be_edited(sign_in):
    programme = open_programme()
    client = sign_in(officer_of(programme))
    response = client.post(reverse("vouchers:programme-edit", kwargs={"pk": programme.pk}), _form_data(budget="1"))
    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:programme-manage", kwargs={"pk": programme.pk})
    programme.refresh_from_db()
    assert programme.budget_fen == 1_000_000 * YUAN


# --- Programmes: open, pause, close ------------------------------------------------------------


def _move(client, programme, action):
    return client.post(reverse("vouchers:programme-transition", kwargs={"pk": programme.pk, "action": action}))


def test_opening_funds_the_budget_and_pause_reopen_close_follow_the_table(sign_in):
    user = officer()
    programme = _draft(user)
    client = sign_in(user)
    manage = reverse("vouchers:programme-manage", kwargs={"pk": programme.pk})

    response = _move(client, programme, "open")
    assert response.status_code == 302
    assert response["Location"] == manage
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.OPEN
    fund = LedgerTransaction.objects.get(programme=programme, kind=TransactionKind.FUND)
    assert fund.created_by == user
    assert selectors.programme_balances(programme)[Account.BUDGET] == programme.budget_fen

    _move(client, programme, "pause")
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.PAUSED
    _move(client, programme, "open")
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.OPEN
    assert LedgerTransaction.objects.filter(programme=programme, kind=TransactionKind.FUND).count() == 1

    holder = holder_staff()
    voucher = issued_voucher(programme, holder, 20_000 * YUAN)
    _move(client, programme, "close")
    programme.refresh_from_db()
    voucher.refresh_from_db()
    assert programme.state == ProgrammeState.CLOSED
    assert voucher.state == VoucherState.CANCELLED
    assert selectors.programme_balances(programme)[Account.BUDGET] == programme.budget_fen
    assert list(
        AuditEntry.objects.filter(object_id=str(programme.pk), action__startswith="voucher_programme.").values_list(
            "action", flat=True
        )
    ) == [
        "voucher_programme.create",
        "voucher_programme.open",
        "voucher_programme.pause",
        "voucher_programme.open",
        "voucher_programme.close",
    ]
    assert list(ledger_violations()) == []


def test_a_move_the_state_forbids_is_explained_and_changes_nothing(sign_in):
    programme = open_programme()
    client = sign_in(officer_of(programme))
    _move(client, programme, "close")
    response = client.post(
        reverse("vouchers:programme-transition", kwargs={"pk": programme.pk, "action": "open"}), follow=True
    )
    assert "cannot become" in response.content.decode()
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.CLOSED


def test_an_unknown_move_is_not_found_and_a_get_is_refused(sign_in):
    user = officer()
    programme = _draft(user)
    client = sign_in(user)
    assert _move(client, programme, "approve").status_code == 404
    url = reverse("vouchers:programme-transition", kwargs={"pk": programme.pk, "action": "open"})
    assert client.get(url).status_code == 405
    programme.refresh_from_db()
    assert programme.state == ProgrammeState.DRAFT


# --- The programme page and its report ----------------------------------------------------------


def test_the_programme_page_shows_balances_report_chart_and_vouchers(sign_in):
    programme = open_programme()
    voucher = issued_voucher(programme, holder_staff(), 30_000 * YUAN)
    response = sign_in(officer_of(programme)).get(reverse("vouchers:programme-manage", kwargs={"pk": programme.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="balance-budget">970,000.00<' in page
    assert 'data-testid="balance-issued">30,000.00<' in page
    assert 'data-testid="balance-redeemed">0.00<' in page
    assert 'data-chart="bar"' in page
    assert 'type="application/json"' in page
    assert "js/charts.js" in page
    assert "vendor/echarts/echarts.min.js" in page
    assert "<script>" not in page  # the Content-Security-Policy allows no inline script
    assert str(voucher) in page
    assert 'data-testid="voucher-cancel"' in page
    month = TODAY.strftime("%Y-%m")
    assert f'<tr data-testid="report-row"><td>{month}</td>' in page


def test_a_draft_programme_page_has_empty_states(sign_in):
    user = officer()
    programme = _draft(user)
    page = sign_in(user).get(reverse("vouchers:programme-manage", kwargs={"pk": programme.pk})).content.decode()
    assert 'data-testid="empty-report"' in page
    assert 'data-testid="empty-vouchers"' in page
    assert 'data-testid="programme-open"' in page
    assert 'data-testid="programme-edit"' in page
    assert 'data-testid="programme-pause"' not in page


def test_the_report_downloads_as_csv_with_a_bom_for_spreadsheets(sign_in):
    programme = open_programme()
    issued_voucher(programme, holder_staff(), 30_000 * YUAN)
    response = sign_in(officer_of(programme)).get(reverse("vouchers:programme-report-csv", kwargs={"pk": programme.pk}))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    assert rows[0][0] == "Month"
    assert rows[0][1] == "Budget funded (yuan)"
    assert rows[1:] == [[TODAY.strftime("%Y-%m"), "1000000.00", "30000.00", "0.00", "0.00", "0.00"]]


# --- Applications -------------------------------------------------------------------------------


def test_the_queue_lists_waiting_applications_oldest_first_and_filters_by_programme(sign_in):
    user = officer()
    first = open_programme(user)
    second = open_programme(user, name="深圳市算法券")
    older, newer = _application(first), _application(first)
    other = _application(second)
    client = sign_in(user)
    page = client.get(reverse("vouchers:application-queue")).content.decode()
    assert page.index(older.applicant.name) < page.index(newer.applicant.name)
    assert other.applicant.name in page
    filtered = client.get(reverse("vouchers:application-queue"), {"programme": second.pk}).content.decode()
    assert other.applicant.name in filtered
    assert older.applicant.name not in filtered


def test_long_lists_are_paged(sign_in, monkeypatch):
    monkeypatch.setattr(officer_views, "PAGE_SIZE", 2)
    programme = open_programme()
    applications = [_application(programme) for _n in range(3)]
    vouchers = [issued_voucher(programme, holder_staff(), 1_000 * YUAN) for _n in range(3)]
    client = sign_in(officer_of(programme))
    queue = reverse("vouchers:application-queue")
    first = client.get(queue, {"programme": programme.pk}).content.decode()
    assert first.count('data-testid="application-row"') == 2
    assert f"?programme={programme.pk}&page=2" in first
    second = client.get(queue, {"programme": programme.pk, "page": 2}).content.decode()
    assert second.count('data-testid="application-row"') == 1
    assert applications[-1].applicant.name in second  # the newest comes last
    manage = reverse("vouchers:programme-manage", kwargs={"pk": programme.pk})
    assert client.get(manage).content.decode().count('data-testid="voucher-row"') == 2
    last = client.get(manage, {"page": 2}).content.decode()
    assert last.count('data-testid="voucher-row"') == 1
    assert str(vouchers[0]) in last  # the first issued comes last


def test_approving_a_lower_amount_issues_the_voucher_and_books_it(sign_in):
    programme = open_programme()
    application = _application(programme, amount_fen=40_000 * YUAN)
    user = officer_of(programme)
    response = sign_in(user).post(
        reverse("vouchers:application-review", kwargs={"pk": application.pk}),
        {"action": "approve", "amount": "25,000.50", "note": "按合同金额核定"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:application-queue")
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    assert application.approved_fen == 2_500_050
    assert application.reviewed_by == user
    assert application.review_note == "按合同金额核定"
    voucher = Voucher.objects.get(application=application)
    assert voucher.face_fen == 2_500_050
    assert voucher.holder == application.applicant
    issue = LedgerTransaction.objects.get(kind=TransactionKind.ISSUE, voucher=voucher)
    assert issue.created_by == user
    assert selectors.voucher_balance_fen(voucher) == 2_500_050
    assert selectors.budget_available_fen(programme) == programme.budget_fen - 2_500_050
    assert AuditEntry.objects.filter(action="voucher_application.approve", object_id=str(application.pk)).exists()


def test_approving_more_than_asked_is_refused_on_the_form(sign_in):
    programme = open_programme()
    application = _application(programme, amount_fen=40_000 * YUAN)
    response = sign_in(officer_of(programme)).post(
        reverse("vouchers:application-review", kwargs={"pk": application.pk}),
        {"action": "approve", "amount": "40000.01"},
    )
    assert response.status_code == 400
    assert 'data-field="amount"' in response.content.decode()
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED
    assert not Voucher.objects.exists()


def test_rejecting_needs_a_reason(sign_in):
    programme = open_programme()
    application = _application(programme)
    client = sign_in(officer_of(programme))
    url = reverse("vouchers:application-review", kwargs={"pk": application.pk})
    response = client.post(url, {"action": "reject", "reason": "  "})
    assert response.status_code == 400
    assert "Give the applicant a reason." in response.content.decode()
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED

    response = client.post(url, {"action": "reject", "reason": "证明材料与申报主体不符。"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.state == ApplicationState.REJECTED
    assert application.review_note == "证明材料与申报主体不符。"
    assert not Voucher.objects.exists()


def test_the_evidence_downloads_for_the_officer_and_the_applicant(sign_in):
    programme = open_programme()
    applicant = holder_staff()
    application = _application(programme, applicant)
    url = reverse("vouchers:application-evidence", kwargs={"pk": application.pk})
    for user in (officer_of(programme), applicant):
        response = sign_in(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 evidence"
        assert "attachment" in response["Content-Disposition"]


def test_two_files_of_one_name_are_stored_apart_and_each_downloads_under_its_own_name(sign_in):
    """Storage would rename the second "营业执照.pdf" of a folder; the files are stored under random
    names instead, and each download is named as its file was uploaded."""
    programme = open_programme()
    contents = {}
    for n in range(2):
        user = holder_staff()
        application = services.application_submit(
            actor=user,
            programme=programme,
            applicant=user.memberships.get().organisation,
            requested_fen=10_000 * YUAN,
            purpose="采购标注服务",
            evidence=evidence_file("营业执照.pdf", f"%PDF-1.4 licence {n}".encode()),
        )
        contents[application.pk] = f"%PDF-1.4 licence {n}".encode()
    stored = dict(Application.objects.values_list("pk", "evidence"))
    assert len(set(stored.values())) == 2
    assert not any("营业执照" in name for name in stored.values())
    assert set(Application.objects.values_list("evidence_name", flat=True)) == {"营业执照.pdf"}
    for pk, content in contents.items():
        response = sign_in(officer_of(programme)).get(reverse("vouchers:application-evidence", kwargs={"pk": pk}))
        assert b"".join(response.streaming_content) == content
        assert quote("营业执照.pdf") in response["Content-Disposition"]


# --- Settlement claims --------------------------------------------------------------------------


def test_a_claim_is_approved_then_disbursed_and_written_off(sign_in):
    programme = open_programme()
    claim = _claim(programme, holder_staff(), amount_fen=10_000 * YUAN)
    user = officer_of(programme)
    client = sign_in(user)
    url = reverse("vouchers:claim-review", kwargs={"pk": claim.pk})
    page = client.get(url).content.decode()
    assert reverse("vouchers:claim-evidence", kwargs={"pk": claim.pk}) in page
    assert "GPU" in page  # the external order it paid for

    response = client.post(url, {"action": "approve", "note": "材料齐全"})
    assert response.status_code == 302
    assert response["Location"] == url
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert claim.reviewed_by == user

    response = client.post(
        url, {"action": "disburse", "transfer_number": "GK2025-000123", "transferred_on": TODAY.isoformat()}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:claim-queue")
    claim.refresh_from_db()
    claim.redemption.refresh_from_db()
    assert claim.state == ClaimState.SETTLED
    assert (claim.transfer_number, claim.transferred_on) == ("GK2025-000123", TODAY)
    assert claim.redemption.state == RedemptionState.SETTLED
    assert LedgerTransaction.objects.get(kind=TransactionKind.SETTLE, claim=claim).created_by == user
    balances = selectors.programme_balances(programme)
    assert balances[Account.SETTLED] == 10_000 * YUAN
    assert balances[Account.REDEEMED] == 0
    assert list(ledger_violations()) == []


def test_a_disbursement_dated_in_the_future_is_refused(sign_in):
    programme = open_programme()
    claim = _claim(programme, holder_staff())
    user = officer_of(programme)
    services.claim_approve(actor=user, claim=claim)
    response = sign_in(user).post(
        reverse("vouchers:claim-review", kwargs={"pk": claim.pk}),
        {
            "action": "disburse",
            "transfer_number": "GK-1",
            "transferred_on": (TODAY + datetime.timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert 'data-field="transferred_on"' in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == ClaimState.APPROVED
    assert not LedgerTransaction.objects.filter(kind=TransactionKind.SETTLE).exists()


def test_a_claim_rejected_without_a_reason_stays_open(sign_in):
    programme = open_programme()
    claim = _claim(programme, holder_staff())
    response = sign_in(officer_of(programme)).post(
        reverse("vouchers:claim-review", kwargs={"pk": claim.pk}), {"action": "reject", "reason": ""}
    )
    assert response.status_code == 400
    assert "Give the claimant a reason." in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED


def test_the_claim_queue_lists_open_claims_by_state(sign_in):
    programme = open_programme()
    user = officer_of(programme)
    waiting = _claim(programme, holder_staff())
    approved = services.claim_approve(actor=user, claim=_claim(programme, holder_staff()))
    client = sign_in(user)
    page = client.get(reverse("vouchers:claim-queue")).content.decode()
    assert page.count('data-testid="claim-row"') == 2
    only_approved = client.get(reverse("vouchers:claim-queue"), {"state": "approved"}).content.decode()
    assert only_approved.count('data-testid="claim-row"') == 1
    assert reverse("vouchers:claim-review", kwargs={"pk": approved.pk}) in only_approved
    assert reverse("vouchers:claim-review", kwargs={"pk": waiting.pk}) not in only_approved


# --- Vouchers -----------------------------------------------------------------------------------


def test_cancelling_a_voucher_returns_its_balance_to_the_budget(sign_in):
    programme = open_programme()
    voucher = issued_voucher(programme, holder_staff(), 30_000 * YUAN)
    client = sign_in(officer_of(programme))
    url = reverse("vouchers:voucher-cancel", kwargs={"pk": voucher.pk})

    response = client.post(url, {"reason": ""}, follow=True)
    assert "Say why the voucher is cancelled." in response.content.decode()
    voucher.refresh_from_db()
    assert voucher.state == VoucherState.ACTIVE

    response = client.post(url, {"reason": "申领材料虚假。"})
    assert response.status_code == 302
    assert response["Location"] == reverse("vouchers:programme-manage", kwargs={"pk": programme.pk})
    voucher.refresh_from_db()
    assert voucher.state == VoucherState.CANCELLED
    assert voucher.cancellation_reason == "申领材料虚假。"
    assert LedgerTransaction.objects.filter(kind=TransactionKind.CANCEL, voucher=voucher).exists()
    assert selectors.voucher_balance_fen(voucher) == 0
    assert selectors.budget_available_fen(programme) == programme.budget_fen
    assert AuditEntry.objects.filter(action="voucher.cancel", object_id=str(voucher.pk)).exists()


# --- Who sees what ------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """An open programme with an application (of `holder`'s organisation) and a claim (of another
    holder's); a draft of the same authority."""
    programme = open_programme()
    the_officer = officer_of(programme)
    holder = holder_staff()
    return {
        "programme": programme,
        "draft": _draft(the_officer),
        "application": _application(programme, holder),
        "claim": _claim(programme, holder_staff()),
        "users": {
            "anonymous": None,
            "holder": holder,
            "other_officer": officer("110000"),
            "officer": the_officer,
            "operator": UserFactory(username="operator", is_staff=True),
        },
    }


ROLES = ("anonymous", "holder", "other_officer", "officer", "operator")
LISTS = {"anonymous": 302, "holder": 403, "other_officer": 200, "officer": 200, "operator": 200}
CREATE = {**LISTS, "operator": 403}
OBJECTS = {"anonymous": 302, "holder": 404, "other_officer": 404, "officer": 200, "operator": 200}
DRAFT_EDIT = {**OBJECTS, "operator": 403}
EVIDENCE = {**OBJECTS, "holder": 200}
PAGES = [
    ("officer-programmes", None, LISTS),
    ("programme-create", None, CREATE),
    ("application-queue", None, LISTS),
    ("claim-queue", None, LISTS),
    ("programme-manage", "programme", OBJECTS),
    ("programme-manage", "draft", OBJECTS),
    ("programme-edit", "draft", DRAFT_EDIT),
    ("programme-report-csv", "programme", OBJECTS),
    ("application-review", "application", OBJECTS),
    ("application-evidence", "application", EVIDENCE),
    ("claim-review", "claim", OBJECTS),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_answer_each_role_as_they_should(world, sign_in, role):
    client = sign_in(world["users"][role])
    answers, expected = {}, {}
    for name, obj, statuses in PAGES:
        url = reverse(f"vouchers:{name}", kwargs={"pk": world[obj].pk} if obj else {})
        response = client.get(url)
        answers[f"{name} {obj or ''}"] = response.status_code
        expected[f"{name} {obj or ''}"] = statuses[role]
        if response.status_code == 302:
            assert response["Location"].startswith(reverse("accounts:login"))
    assert answers == expected


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("holder", 404), ("other_officer", 404), ("operator", 403), ("officer", 302)],
)
def test_only_the_programmes_officers_act_on_it(world, sign_in, role, expected):
    client = sign_in(world["users"][role])
    draft, application, claim = world["draft"], world["application"], world["claim"]
    voucher = Voucher.objects.filter(programme=world["programme"]).first()
    answers = [
        _move(client, draft, "open").status_code,
        client.post(reverse("vouchers:voucher-cancel", kwargs={"pk": voucher.pk}), {"reason": "测试"}).status_code,
        client.post(
            reverse("vouchers:application-review", kwargs={"pk": application.pk}), {"action": "approve"}
        ).status_code,
        client.post(
            reverse("vouchers:claim-review", kwargs={"pk": claim.pk}), {"action": "approve", "note": ""}
        ).status_code,
    ]
    assert answers == [expected] * 4
    draft.refresh_from_db()
    application.refresh_from_db()
    claim.refresh_from_db()
    voucher.refresh_from_db()
    changed = role == "officer"
    assert (draft.state == ProgrammeState.OPEN) is changed
    assert (voucher.state == VoucherState.CANCELLED) is changed
    assert (application.state == ApplicationState.APPROVED) is changed
    assert (claim.state == ClaimState.APPROVED) is changed


def test_an_officer_lists_only_the_programmes_of_their_authority(world, sign_in):
    page = sign_in(world["users"]["other_officer"]).get(reverse("vouchers:officer-programmes")).content.decode()
    assert 'data-testid="empty-programmes"' in page
    assert world["programme"].name not in page
    queue = sign_in(world["users"]["other_officer"]).get(reverse("vouchers:application-queue")).content.decode()
    assert 'data-testid="empty-applications"' in queue
    claims = sign_in(world["users"]["other_officer"]).get(reverse("vouchers:claim-queue")).content.decode()
    assert 'data-testid="empty-claims"' in claims
    mine = sign_in(world["users"]["officer"]).get(reverse("vouchers:officer-programmes")).content.decode()
    assert mine.count('data-testid="programme-row"') == 2


def test_operators_read_but_are_offered_no_actions(world, sign_in):
    client = sign_in(world["users"]["operator"])
    page = client.get(reverse("vouchers:programme-manage", kwargs={"pk": world["programme"].pk})).content.decode()
    assert 'data-testid="programme-actions"' not in page
    assert 'data-testid="voucher-cancel"' not in page
    review = client.get(reverse("vouchers:application-review", kwargs={"pk": world["application"].pk}))
    assert 'data-testid="approve-form"' not in review.content.decode()


# --- Queries ------------------------------------------------------------------------------------


def test_queue_and_programme_pages_take_a_bounded_number_of_queries(sign_in, django_assert_max_num_queries):
    programme = open_programme()
    user = officer_of(programme)
    for _n in range(6):
        holder = holder_staff()
        issued_voucher(programme, holder, 1_000 * YUAN)
        _application(programme, holder_staff())
        _claim(programme, holder, amount_fen=100 * YUAN)
    client = sign_in(user)
    pages = [
        reverse("vouchers:officer-programmes"),
        reverse("vouchers:application-queue"),
        reverse("vouchers:claim-queue"),
        reverse("vouchers:programme-manage", kwargs={"pk": programme.pk}),
        reverse("vouchers:application-review", kwargs={"pk": programme.applications.filter(state="submitted")[0].pk}),
        reverse("vouchers:claim-review", kwargs={"pk": programme.claims.all()[0].pk}),
    ]
    for url in pages:  # six rows of each: as many queries as one
        with django_assert_max_num_queries(11):
            response = client.get(url)
        assert response.status_code == 200
