"""The supply-demand exchange: catalogue, tenders, bids, evaluation, contracts, delivery, payments."""
