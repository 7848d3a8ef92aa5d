"""An event's branding and its own badge layouts."""
