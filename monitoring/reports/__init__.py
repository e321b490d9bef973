"""Statistical direct reports (统计直报): filing, validation, anomaly flags, lateness, reminders."""
