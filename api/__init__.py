"""The HTTP layer's shared parts: errors, dependencies, keys, routers, schemas.

Endpoints live in the slices. Each builds its router with `api.routing.secured_router`, so
every `/api/v1` endpoint needs a key; takes request bodies as `api.schemas.InputModel`, so an
unknown field (one the caller's role may not set) is a 422, never silently applied; and
documents its errors with `api.schemas.ERRORS`. `api/schemas.py` spells the conventions out.
"""
