"""The ledger's tables. Invariants live in constraints, see each model."""
from .events import Allocation, Channel, Event, TicketType
from .gates import Admission, Gate, Scan
from .tokens import ApiToken
from .tickets import TICKET_STATES, LedgerEntry, SigningKey, Ticket
from .types import UTCDateTime, utcnow

__all__ = [
    "Admission", "Allocation", "ApiToken", "Channel", "Event", "Gate", "LedgerEntry",
    "Scan", "SigningKey", "TICKET_STATES", "Ticket", "TicketType", "UTCDateTime", "utcnow",
]
