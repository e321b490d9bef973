"""Statistical direct reports (统计直报, DESIGN §8): vendors and annotation base operators file
each quarter's revenue, headcount and annotation volume per modality; the portal validates them,
flags anomalies, tells regulators which are late or flagged, and reminds those who have not filed.

Decisions, in one place (the settings are in portal/settings.py, `STATISTICAL_REPORT_*`):

- Who files: staff (`vendor_staff`) of organisations of kind `vendor` or `base_operator`; who is
  expected to: those verified and registered before the quarter ended.
- One report per (organisation, year, quarter). Volumes are a child table, one row per modality of
  `registry.taxonomy.Modality` (all six, zero allowed); `total_items` must equal their sum, and a
  quarter with no items has a public-data share of 0. Money in fen, the share in basis points.
- States: draft → submitted. A submitted report is amended by submitting it again: `version`
  counts submissions, each audited with the figures before and after; flags are recomputed.
- Due `DUE_DAYS` (15) days after the quarter; late when first submitted after the due day ends in
  Beijing time, or not submitted by then (`calendar`). An amendment does not change lateness.
- Anomaly flags on submission (`services.statistical_report_anomalies`): revenue, headcount or
  total items ×`JUMP_FACTOR` (10) or more, or 1/`JUMP_FACTOR` or less, against the previous
  quarter's submitted report; revenue lower than the portal's payments to the organisation in the
  quarter; revenue more than `PORTAL_FACTOR` (100) times the larger of those payments and the
  contracts signed in the quarter. Flags inform; they never refuse a report.
- Reminders: from `REMIND_DAYS` (5) days before the due day to the due day, once per organisation
  and quarter (a unique reminder row), to the organisation's staff, through portal.notifications.
"""
