"""The live picture: counters, snapshots, the hub that pushes them, alerts, webhooks, Socket.IO."""
