"""Member-list import: read a partner's file, validate each row, merge it into contacts."""

from outreach.contacts.importing import ImportReport, ensure_partner, import_members
from outreach.contacts.reading import (
    CANONICAL_FIELDS,
    MemberFile,
    MemberFileError,
    map_columns,
    read_member_file,
)
from outreach.contacts.validation import MemberRow, RejectedRow, validate_row

__all__ = [
    "CANONICAL_FIELDS",
    "ImportReport",
    "MemberFile",
    "MemberFileError",
    "MemberRow",
    "RejectedRow",
    "ensure_partner",
    "import_members",
    "map_columns",
    "read_member_file",
    "validate_row",
]
