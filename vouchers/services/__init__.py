"""Every write of the voucher domain (DESIGN §6), one function per action."""

from vouchers.services.applications import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
)
from vouchers.services.programmes import (
    HOLDER_KINDS,
    ProgrammeSpec,
    programme_close,
    programme_create,
    programme_open,
    programme_pause,
    programme_update,
)
from vouchers.services.redemptions import (
    RedeemOutcome,
    external_order_record,
    redemption_confirm,
    redemption_decline,
    voucher_redeem,
)
from vouchers.services.settlement import claim_approve, claim_disburse, claim_reject, claim_submit
from vouchers.services.vouchers import voucher_cancel, vouchers_expire

__all__ = [
    "HOLDER_KINDS",
    "ProgrammeSpec",
    "RedeemOutcome",
    "application_approve",
    "application_reject",
    "application_submit",
    "application_withdraw",
    "claim_approve",
    "claim_disburse",
    "claim_reject",
    "claim_submit",
    "external_order_record",
    "programme_close",
    "programme_create",
    "programme_open",
    "programme_pause",
    "programme_update",
    "redemption_confirm",
    "redemption_decline",
    "voucher_cancel",
    "voucher_redeem",
    "vouchers_expire",
]
