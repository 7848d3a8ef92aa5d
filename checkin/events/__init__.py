"""Setting up an event: the event itself, ticket types, channels and gates."""
