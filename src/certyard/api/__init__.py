"""The REST API and the public (no-login) HTTP endpoints. Delivery layer only."""

# A delivery layer exports no names: the server mounts its routers by module
# (certyard.api.v1, certyard.api.public) and other rooms never import it.
__all__: list[str] = []
