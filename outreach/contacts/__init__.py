"""Member-list import: read a partner's file, validate each row, merge it into contacts."""

from outreach.contacts.dry_run import DryRun, dry_run
from outreach.contacts.headers import CANONICAL_FIELDS, MemberFileError, map_columns
from outreach.contacts.importing import ImportReport, import_members
from outreach.contacts.partners import PartnerOwner, ensure_partner
from outreach.contacts.reading import MemberFile, MemberFileTooLargeError, read_member_file
from outreach.contacts.validation import MemberRow, RejectedRow, validate_row

__all__ = [
    "CANONICAL_FIELDS",
    "DryRun",
    "ImportReport",
    "MemberFile",
    "MemberFileError",
    "MemberFileTooLargeError",
    "MemberRow",
    "PartnerOwner",
    "RejectedRow",
    "dry_run",
    "ensure_partner",
    "import_members",
    "map_columns",
    "read_member_file",
    "validate_row",
]
