"""Telegram's webhook: the endpoint, the updates it reads, and what citizens and staff write."""
