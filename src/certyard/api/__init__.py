"""The REST API and the public (no-login) HTTP endpoints. Delivery layer only."""
