"""SQLAlchemy models. No Flask here: the workers and the command line use them too."""

from . import lookups  # noqa: F401  (indexes the dashboard reads by)
from .base import Base, utcnow
from .clarifications import Clarification, PrescriptionVersion
from .clinics import ApiKey, Clinic
from .compounding import CompoundingRecord
from .counter import CounselingOffer, Payment, Shipment
from .drug_data import DrugDataVersion
from .fills import Fill
from .formulary import Ingredient, Lot, MasterFormulationRecord, PriceList, Setting
from .logins import LoginFailure
from .people import Patient, Prescriber
from .prescriptions import Alert, DirectionStep, Prescription, StatusChange, in_current_fill
from .records import AuditEvent, IdempotencyKey, OutboxMessage
from .renewals import RenewalRequest
from .staff import ROLES, User
from .webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent, WebhookScanMark
from .worksheets import PriceLine, Worksheet

__all__ = [
    "ROLES",
    "Alert",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Clarification",
    "Clinic",
    "CompoundingRecord",
    "CounselingOffer",
    "DirectionStep",
    "DrugDataVersion",
    "Fill",
    "IdempotencyKey",
    "Ingredient",
    "LoginFailure",
    "Lot",
    "MasterFormulationRecord",
    "OutboxMessage",
    "Patient",
    "Payment",
    "Prescriber",
    "Prescription",
    "PrescriptionVersion",
    "PriceLine",
    "PriceList",
    "RenewalRequest",
    "Setting",
    "Shipment",
    "StatusChange",
    "User",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookScanMark",
    "Worksheet",
    "in_current_fill",
    "utcnow",
]
