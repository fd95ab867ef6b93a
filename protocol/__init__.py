"""Shared MQTT contract: topic names and payload validation for every component."""
