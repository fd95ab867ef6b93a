"""MQTT gateway: deduplicates alerts, runs the confirm window and forwards incidents."""
