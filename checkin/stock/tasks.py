"""The stock's background task: expired holds go back to the pool without anyone remembering."""
import logging

from .holds import sweep

log = logging.getLogger(__name__)


def release_expired_holds() -> int:
    """Release every expired hold of every event (every HOLD_SWEEP_SECONDS); returns how many."""
    released = sweep()
    if released:
        log.info("released %d expired hold(s)", released)
    return released
