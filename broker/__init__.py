"""Mosquitto configuration and helpers to run and administer the broker."""
