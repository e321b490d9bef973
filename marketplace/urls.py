from django.urls import path

from marketplace.feeds import TenderFeed
from marketplace.views import (
    acceptance,
    alerts,
    awards,
    bidding,
    buying,
    clarifications,
    committee,
    contracts,
    evaluation,
    payments,
    public,
    trail,
    wizard,
)

app_name = "marketplace"

urlpatterns = [
    # Public
    path("", public.index, name="index"),
    path("feed.atom", TenderFeed(), name="feed"),
    path("<int:pk>/", public.tender_detail, name="tender-detail"),
    path("<int:pk>/documents/<int:document_pk>/", public.tender_document, name="tender-document"),
    path("<int:pk>/opening/", public.tender_opening, name="tender-opening"),
    path("catalogue/", public.catalogue_list, name="catalogue-list"),
    path("catalogue/<int:pk>/", public.catalogue_detail, name="catalogue-detail"),
    path("notices/", awards.notices, name="notices"),
    path("<int:pk>/candidates/", awards.tender_candidates, name="tender-candidates"),
    path("<int:pk>/award/", awards.tender_award_notice, name="tender-award"),
    path("<int:pk>/challenges/", awards.tender_challenges, name="tender-challenges"),
    path("contracts/<int:pk>/", contracts.contract_detail, name="contract-detail"),
    # Buyers' staff
    path("mine/", buying.buyer_tenders, name="buyer-tenders"),
    path("catalogue/new/", buying.catalogue_create, name="catalogue-create"),
    path("catalogue/<int:pk>/edit/", buying.catalogue_edit, name="catalogue-edit"),
    path("new/", wizard.tender_create, name="tender-create"),
    path("<int:pk>/edit/", wizard.tender_edit, name="tender-edit"),
    path("<int:pk>/documents/", wizard.tender_documents, name="tender-documents"),
    path("<int:pk>/publish/", wizard.tender_publish, name="tender-publish"),
    path("<int:pk>/amend/", buying.tender_amend, name="tender-amend"),
    path("<int:pk>/cancel/", buying.tender_cancel, name="tender-cancel"),
    path("<int:pk>/retender/", buying.tender_retender, name="tender-retender"),
    path("<int:pk>/clarifications/", clarifications.tender_clarifications, name="tender-clarifications"),
    path("<int:pk>/committee/", committee.tender_committee, name="tender-committee"),
    path("<int:pk>/committee/refill/", committee.committee_refill, name="committee-refill"),
    path("<int:pk>/trail/", trail.tender_trail, name="tender-trail"),
    path("<int:pk>/report/", evaluation.committee_report, name="committee-report"),
    path("<int:pk>/publicise/", awards.tender_publicise, name="tender-publicise"),
    path("challenges/<int:challenge_pk>/answer/", awards.challenge_answer, name="challenge-answer"),
    path("<int:pk>/award/confirm/", awards.tender_award_confirm, name="tender-award-confirm"),
    path("contracts/", contracts.my_contracts, name="contracts"),
    path("contracts/<int:pk>/sign/", contracts.contract_sign, name="contract-sign"),
    path("contracts/<int:pk>/milestones/", contracts.contract_milestones, name="contract-milestones"),
    path(
        "contracts/<int:pk>/milestones/<int:milestone_pk>/met/",
        contracts.contract_milestone_meet,
        name="contract-milestone-meet",
    ),
    path("contracts/<int:pk>/terminate/", contracts.contract_terminate, name="contract-terminate"),
    # Delivery acceptance: the buyer's plan, gold set and decision; the vendor's deliveries
    path("contracts/<int:pk>/acceptance/", acceptance.contract_acceptance, name="contract-acceptance"),
    path("contracts/<int:pk>/milestones/<int:milestone_pk>/plan/", acceptance.acceptance_plan, name="acceptance-plan"),
    path("contracts/<int:pk>/milestones/<int:milestone_pk>/gold/", acceptance.gold_set, name="gold-set"),
    path(
        "contracts/<int:pk>/milestones/<int:milestone_pk>/deliveries/new/",
        acceptance.delivery_upload,
        name="delivery-upload",
    ),
    path("deliveries/<int:pk>/", acceptance.delivery_detail, name="delivery-detail"),
    path("deliveries/<int:pk>/progress/", acceptance.delivery_progress, name="delivery-progress"),
    path("deliveries/<int:pk>/report.pdf", acceptance.delivery_report_pdf, name="delivery-report-pdf"),
    path("deliveries/<int:pk>/decide/", acceptance.delivery_decide, name="delivery-decide"),
    path("deliveries/<int:pk>/file/", acceptance.delivery_file, name="delivery-file"),
    path("acceptance/", acceptance.acceptance_statistics, name="acceptance-statistics"),
    # Milestone payments: the buyer's card (enterprise orders), the agency's treasury transfers
    path("contracts/<int:pk>/payments/", payments.contract_payments, name="contract-payments"),
    path("contracts/<int:pk>/milestones/<int:milestone_pk>/pay/", payments.milestone_pay, name="milestone-pay"),
    path(
        "contracts/<int:pk>/milestones/<int:milestone_pk>/transfer/",
        payments.milestone_transfer,
        name="milestone-transfer",
    ),
    path(
        "contracts/<int:pk>/milestones/<int:milestone_pk>/refund/", payments.milestone_refund, name="milestone-refund"
    ),
    # Experts
    path("experts/invitations/", committee.expert_invitations, name="expert-invitations"),
    path("seats/<int:member_pk>/accept/", committee.member_accept, name="member-accept"),
    path("seats/<int:member_pk>/decline/", committee.member_decline, name="member-decline"),
    path("<int:pk>/scores/", evaluation.score_sheet, name="score-sheet"),
    path("bids/<int:bid_pk>/documents/<int:index>/", evaluation.bid_document, name="bid-document"),
    # Vendors' staff
    path("opportunities/", bidding.opportunities, name="opportunities"),
    path("bids/", bidding.my_bids, name="my-bids"),
    path("<int:pk>/bid/", bidding.bid_submit, name="bid-submit"),
    path("bids/<int:bid_pk>/", bidding.bid_detail, name="bid-detail"),
    path("bids/<int:bid_pk>/withdraw/", bidding.bid_withdraw, name="bid-withdraw"),
    path("bids/<int:bid_pk>/confirm/", bidding.bid_confirm, name="bid-confirm"),
    path("challenges/", awards.my_challenges, name="my-challenges"),
    # Saved searches (any signed-in person; vendors' staff above all)
    path("alerts/", alerts.saved_searches, name="saved-searches"),
    path("alerts/<int:pk>/delete/", alerts.saved_search_delete, name="saved-search-delete"),
]
