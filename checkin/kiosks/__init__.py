"""Self-service kiosks: the guest's own steps, and what staff see of each kiosk."""
