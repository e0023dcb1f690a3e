"""Data-subject rights and retention: export, erasure, suppression, the access log.

They cut across every slice (contacts, conversations, messages, bookings, monitoring), so they
live in one package that reads and deletes the rows of all of them.
"""
