"""Trend alerts: monitors, the default watch, incidents, digests and delivery channels (no front-end code)."""
