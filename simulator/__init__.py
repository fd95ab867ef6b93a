"""Simulated buttons and app users, and the demo scenario."""
