"""The box office: walk-in sales and their batching and rules, upgrades, transfers and voids."""
