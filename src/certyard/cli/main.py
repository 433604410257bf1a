"""Entry point. Sub-command modules live in certyard.cli.commands; each exposes either
``app`` (a Typer group, mounted under ``NAME``) or ``register(root)`` for top-level
commands, so rooms add commands without editing this file."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click
import typer

from certyard import __version__
from certyard.cli import commands
from certyard.errors import CertyardError

app = typer.Typer(
    name="certyard",
    help="certyard: certificates and TLS security for a cluster of servers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"certyard {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
    log_format: str = typer.Option(None, "--log-format", help="text, json or journal."),
    log_level: str = typer.Option(None, "--log-level", help="debug, info, warning, error."),
) -> None:
    """certyard: certificates and TLS security for a cluster of servers."""
    from certyard.ops.logs import configure_logging  # one setup for every command

    configure_logging(log_format, log_level, reset=True)


def _load() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"{commands.__name__}.{info.name}")
        if hasattr(mod, "register"):
            mod.register(app)
        if hasattr(mod, "app"):
            app.add_typer(mod.app, name=mod.NAME, help=mod.app.info.help)


_load()


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; typed errors become one line on stderr and their exit code."""
    try:
        rv = app(args=argv, standalone_mode=False, prog_name="certyard")
    except CertyardError as exc:
        click.echo(f"error: {exc.message}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    # Without standalone mode, click returns typer.Exit(n)'s code instead of exiting.
    return rv if isinstance(rv, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
