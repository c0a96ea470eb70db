"""SQLAlchemy models. No Flask here: the workers and the command line use them too."""

from .base import Base, utcnow
from .clinics import ApiKey, Clinic
from .formulary import Ingredient, Lot, MasterFormulationRecord, PriceList, Setting
from .people import Patient, Prescriber
from .prescriptions import Alert, DirectionStep, Prescription, StatusChange
from .records import AuditEvent, IdempotencyKey, OutboxMessage
from .staff import ROLES, User

__all__ = [
    "ROLES",
    "Alert",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Clinic",
    "DirectionStep",
    "IdempotencyKey",
    "Ingredient",
    "Lot",
    "MasterFormulationRecord",
    "OutboxMessage",
    "Patient",
    "Prescriber",
    "Prescription",
    "PriceList",
    "Setting",
    "StatusChange",
    "User",
    "utcnow",
]
