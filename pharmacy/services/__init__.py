"""Use cases: one transaction each, with its audit event (and outbox row) written in it.

Services take a SQLAlchemy session and plain values; they know nothing of HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass

from pharmacy.domain.prescription import Problem


@dataclass(frozen=True)
class Actor:
    """Who did something, as the audit trail names them."""

    kind: str  # clinic | user | system
    id: str
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.name}"


SYSTEM = Actor("system", "0", "system")


class ServiceError(Exception):
    """A refusal the caller can show a person; `code` is stable for programs."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(ServiceError):
    code = "not_found"


class Conflict(ServiceError):
    """A request the order's state refuses; `extra` holds what a program needs besides
    the code (a refill too soon: the first day it may be asked for)."""

    def __init__(self, code: str, message: str, extra: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.extra = extra or {}


class Invalid(ServiceError):
    """Input that breaks the pharmacy's rules; each problem names the field to fix."""

    code = "validation_failed"

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("the prescription breaks the rules listed in details")
        self.problems = problems
