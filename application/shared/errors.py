"""Errors of the application layer and the port-level errors adapters translate into."""

from __future__ import annotations


class ApplicationError(Exception):
    code = "application_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ApplicationError):
    """The object does not exist for this tenant (another tenant's object is not found too)."""

    code = "not_found"


class Conflict(ApplicationError):
    """The change collides with another one: a concurrent edit or a unique value taken."""

    code = "conflict"


class ChangedMeanwhile(Conflict):
    """A record read for a change was changed by someone else before the change committed.

    A person's edit shows it ("reload and try again"); a use case whose change does not depend
    on what it read (a switch turned off, a setting set) may read again and retry.
    """

    def __init__(self) -> None:
        super().__init__("someone else changed this record; reload and try again")


class StorageError(ApplicationError):
    """The database failed for a reason that is not the caller's input."""

    code = "storage_error"
