"""The ledger's tables. Invariants live in constraints, see each model."""
from .alerts import ALERT_KINDS, ALERT_LEVELS, Alert, AlertSettings
from .branding import EventBranding, LayoutOverride, LayoutVersion, ReprintMark
from .events import Allocation, Channel, Event, TicketType
from .gates import Admission, Gate, Scan
from .kiosks import KIOSK_STATES, Kiosk
from .live import Counter, GateDevice
from .printing import (
    PRINTER_JOB_STATES,
    PRINTER_LANGUAGES,
    BadgePrint,
    BadgeRequest,
    Desk,
    Printer,
    PrinterJob,
    PrintJob,
)
from .sales import HOLD_STATES, SALE_STATES, Hold, Sale
from .tickets import TICKET_STATES, LedgerEntry, SigningKey, Ticket
from .tokens import ApiToken, PairingCode, PairingFailure
from .types import UTCDateTime, utcnow

__all__ = [
    "Admission", "Allocation", "ApiToken", "BadgePrint", "Channel", "Event", "Gate", "LedgerEntry",
    "BadgeRequest", "Desk", "EventBranding", "LayoutOverride", "LayoutVersion", "ReprintMark",
    "Printer", "PrinterJob", "PRINTER_JOB_STATES", "PRINTER_LANGUAGES",
    "PairingCode", "PairingFailure", "PrintJob", "Scan", "SigningKey", "TICKET_STATES", "Ticket", "TicketType",
    "UTCDateTime", "utcnow",
    "Hold", "HOLD_STATES", "Sale", "SALE_STATES",
    "ALERT_KINDS", "ALERT_LEVELS", "Alert", "AlertSettings", "Counter", "GateDevice",
    "KIOSK_STATES", "Kiosk",
]
