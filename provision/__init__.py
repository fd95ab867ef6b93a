"""Technician tool: register, flash, install and verify panic buttons."""
