"""Campaigns: templates, targeting preview, pacing, windows, lifecycle, CLI and API."""
