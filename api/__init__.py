"""The HTTP layer's shared parts: errors, dependencies, API keys. Endpoints live in the slices."""
