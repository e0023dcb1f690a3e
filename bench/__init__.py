"""`make bench`: the service's figures on SQLite and PostgreSQL, each beside a reference."""
