"""Dispatch API for Polsek staff, the command centre, technicians and citizens."""
