"""Pages of the tender exchange, one module per audience: `public` (tenders, catalogue, opening
results), `buying` and `wizard` (agency and enterprise staff), `clarifications`, `bidding`
(vendor staff). Each view parses, authorises, calls one service or selector and renders."""
