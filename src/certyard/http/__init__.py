"""The shared HTTP layer: application pieces, authentication and authorisation
dependencies, the one error mapper (JSON problem body and HTML pages), request limits,
database-outage and catch-all handling, and the HTTPS listener's TLS reloading.

Used by certyard.api (routers), certyard.web (pages) and certyard.server (listeners);
it imports neither api nor web. Modules are imported by name (certyard.http.auth ...)."""

__all__: list[str] = []
