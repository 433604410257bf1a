"""certyard serve"""

from __future__ import annotations

import logging

import typer

from certyard.cli.context import cli_context
from certyard.cli.errors import exit_code
from certyard.cli.output import console
from certyard.errors import CertyardError


def register(root: typer.Typer) -> None:
    @root.command("serve")
    def serve(
        host: str = typer.Option("0.0.0.0", "--host", help="Address to listen on."),  # noqa: S104
        https_port: int = typer.Option(8443, "--https-port", min=1, max=65535,
                                       help="HTTPS port of the web UI and REST API."),
        http_port: int = typer.Option(8080, "--http-port", min=0, max=65535,
                                      help="Plain-HTTP port for CRL/OCSP/CA downloads; 0: off."),
        ocsp_port: int = typer.Option(
            0, "--ocsp-port", min=0, max=65535,
            help="A separate plain-HTTP port for the OCSP responder (fast path); 0: none."),
        ocsp_workers: int = typer.Option(
            1, "--ocsp-workers", min=1, max=64,
            help="Processes sharing the OCSP port (or the plain-HTTP port) via SO_REUSEPORT."),
        https_workers: int = typer.Option(
            1, "--https-workers", min=1, max=64,
            help="Processes sharing the HTTPS port via SO_REUSEPORT (web UI, REST API, ACME); "
            "jobs and plain HTTP stay in the first."),
        no_jobs: bool = typer.Option(False, "--no-jobs", help="Do not run background jobs."),
        drain_seconds: float = typer.Option(
            0.0, "--drain-seconds", min=0, max=300,
            help="On SIGTERM, report not-ready this long before closing the listeners."),
        grace_seconds: float = typer.Option(
            30.0, "--grace-seconds", min=0, max=3600,
            help="On SIGTERM, wait this long for in-flight requests and the running job."),
        server_name: str = typer.Option(
            None, "--server-name", help="Host name the plain-HTTP listener redirects to "
            "(default: the publisher's FQDN); never the request's Host header."),
    ) -> None:
        """Run the web UI and REST API over HTTPS (initialising a fresh store first)."""
        from certyard import accounts
        from certyard.ops.logs import configure_logging
        from certyard.server.stack import check_server_stack

        configure_logging(default_level="info")
        try:
            # A missing part of the stack, bad values: one line before the store is created;
            # a busy port: before it is set up.
            check_server_stack()
            from certyard.server.run import check_listen_options, probe_listeners

            check_listen_options(host=host, https_port=https_port, http_port=http_port,
                                 ocsp_port=ocsp_port, drain_seconds=drain_seconds,
                                 grace_seconds=grace_seconds, server_name=server_name,
                                 https_workers=https_workers)
            ctx = cli_context(create=True)  # a schema to upgrade is said first
            probe_listeners(host, [https_port, http_port, ocsp_port])
        except CertyardError as exc:  # one log record, with a priority under journald
            logging.getLogger("certyard.server").error(
                "not starting: %s", exc.message,
                extra={"reason": getattr(exc, "reason", None) or exc.code})
            raise typer.Exit(exit_code(exc)) from None
        from certyard.setup import bootstrap

        first = bootstrap(ctx, http_port=http_port, server_name=server_name)
        password = first.admin_password
        shown = "localhost" if host in ("0.0.0.0", "::") else host  # noqa: S104
        console.print(f"certyard is serving https://{shown}:{https_port}/ "
                      f"(publisher {first.publisher_fqdn})")
        if http_port:
            console.print(f"CRL, OCSP and CA downloads: http://{shown}:{http_port}/ca")
        if password:
            console.print(f"Initial administrator: {accounts.DEFAULT_ADMIN}")
            console.print(f"One-time password: {password}  (change it at first sign-in)")
        if ocsp_port:
            console.print(f"OCSP responder: http://{shown}:{ocsp_port}/ocsp")
        from certyard.server.run import serve as run

        run(ctx, host=host, https_port=https_port, http_port=http_port, jobs=not no_jobs,
            drain_seconds=drain_seconds, grace_seconds=grace_seconds, ocsp_port=ocsp_port,
            ocsp_workers=ocsp_workers, server_name=server_name or first.publisher_fqdn,
            https_workers=https_workers)
