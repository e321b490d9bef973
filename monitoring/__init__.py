"""Statistical reports, rollups, dashboards, red flags and open-data exports."""
