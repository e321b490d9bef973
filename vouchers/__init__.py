"""Data, algorithm and compute voucher programmes, redemption, settlement and the ledger."""
