"""Builds the command tree once per process and finishes it for people: commands sorted,
every option with a plain metavar (no ``<bool>`` or ``<list[str]>``), the shared options
explained, an example in every command's help, and service errors that name the option
the user typed instead of an internal field name."""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

import typer

from certyard.cli import commands
from certyard.cli.examples import EXAMPLES
from certyard.errors import CertyardError, InvalidInputs

__all__ = ["FIELD_ALIASES", "app", "build_command", "leaf_commands", "param_kind"]

HELP = ("certyard: certificates and TLS security for a cluster of servers.\n\n"
        "Exit codes: 0 done, 1 failed or aborted, 2 invalid input, 3 unusable file, "
        "4 not found, 5 conflict, 6 not allowed, 7 not initialised, "
        "8 external service failed, 9 audit trail edited, 130 interrupted (Ctrl-C).")

app = typer.Typer(
    name="certyard",
    help=HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback(epilog="Example: certyard --version\n\nExample: certyard cert list --json")
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True,
                                 help="Print the version and exit."),
    debug: bool = typer.Option(False, "--debug",
                               help="On an unexpected error, print the full traceback "
                                    "(also CERTYARD_DEBUG=1)."),
    log_format: str = typer.Option(None, "--log-format", help="text, json or journal."),
    log_level: str = typer.Option(None, "--log-level", help="debug, info, warning, error."),
) -> None:
    """certyard: certificates and TLS security for a cluster of servers."""
    if version:  # main() answers --version before building the tree; kept for --help
        from certyard import __version__

        typer.echo(f"certyard {__version__}")
        raise typer.Exit()
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

# Service field names that differ from the option a person types, everywhere.
FIELD_ALIASES: dict[str, str] = {
    "notification_start_days": "--start-days",
    "notification_frequency": "--frequency",
    "notification_frequency_unit": "--unit",
    "email_enabled": "--email",
    "email_ids": "--email-ids",
    "ocsp_enabled": "--ocsp",
    "ocsp_uri_source": "--uri-source",
    "ocsp_configured_uri": "--uri",
    "revocation_check_enabled": "--check",
    "check_every": "--every",
    "check_every_unit": "--unit",
    "timeout_seconds": "--timeout",
    "allowed_domains": "--allowed-domain",
    "user_id": "--user",
    "host_key_fingerprint": "--host-key-fingerprint",
    "known_hosts": "--known-hosts-file",
    "private_key": "--key-file",
    "key_size": "--key-size",
    "key_lengths": "--key-lengths",
    "trust_stores": "--trust-store",
    "common_name": "--cn",
    "organization": "--org",
    "text": "--find",
    "expiring_before": "--expiring-before",
}

_SHARED_HELP = {
    "json_": "Print JSON instead of text (shapes: see README, JSON output).",
    "yes": "Do not ask for confirmation (needed when there is no terminal).",
    "output": "Write to this file instead of standard output.",
    "help": "Show this help and exit.",
}


def _option_for(cmd: Any, field: str) -> str | None:
    for p in cmd.params:
        if p.param_type_name == "option" and p.name.rstrip("_") == field:
            return max(p.opts, key=len)
    alias = FIELD_ALIASES.get(field)
    if alias and any(alias in p.opts for p in cmd.params):
        return alias
    return None


def _name_the_option(cmd: Any, callback: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(callback)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return callback(*args, **kwargs)
        except CertyardError as exc:
            several = exc.problems if isinstance(exc, InvalidInputs) else ()
            for problem in (*several, exc):
                _with_option(cmd, problem)
            if several:
                exc.message = "; ".join(p.message for p in several)
                exc.args = (exc.message,)
            raise

    return run


def _with_option(cmd: Any, exc: CertyardError) -> None:
    """Name the option the user typed in ``exc``'s message, and note it on ``exc``."""
    field = exc.field
    option = _option_for(cmd, field) if field else None
    if field and option and option != field:
        text = exc.message
        # "notification_start_days must be ..." -> "--start-days must be ...", "FQDN 'x'
        # is ..." -> "--fqdn 'x' is ...", "the default key length must ..." ->
        # "--default-key-length must ..."; any other sentence is prefixed with the option
        # ("--crl-days: CRL validity must be 1 to 365 days").
        words = field.replace("_", " ").lower()
        low = text.lower()
        if low.startswith(field.lower() + " "):
            text = option + text[len(field):]
        elif low.startswith(words + " "):
            text = option + text[len(words):]
        elif low.startswith(f"the {words} "):
            text = option + text[len(words) + 4:]
        elif "_" in field and field in text:
            text = text.replace(field, option, 1)
        elif option not in text:
            text = f"{option}: {text}"
        exc.message = text
        exc.args = (text,)
    exc.option = option  # type: ignore[attr-defined]


def param_kind(param: Any) -> tuple[str, list[str]]:
    """What a parameter accepts: flag, int, float, choice (with its choices), date, path
    or text. Reads typer's type descriptor (typer >= 0.2x) or click's ParamType."""
    import datetime as dt
    import enum
    import pathlib

    if getattr(param, "is_flag", False) or getattr(param, "is_bool_flag", False):
        return "flag", []
    desc = getattr(param, "type_descriptor", None)
    if desc is not None:
        ann = desc.annotation
        if typing_origin(ann) is list:
            ann = typing_args(ann)[0]
        if desc.is_choice and desc.choices:
            return "choice", [str(getattr(c, "value", c)) for c in desc.choices]
        if isinstance(ann, type) and issubclass(ann, enum.Enum):
            return "choice", [str(m.value) for m in ann]
        if ann is bool:
            return "flag", []
        if ann is int:
            return "int", []
        if ann is float:
            return "float", []
        if ann in (dt.datetime, dt.date):
            return "date", []
        if ann is pathlib.Path or desc.is_path or desc.is_file:
            return "path", []
        return "text", []
    t = getattr(param, "type", None)
    name = getattr(t, "name", "")
    choices = getattr(t, "choices", None)
    if choices:
        return "choice", [str(c) for c in choices]
    return {"boolean": "flag", "integer": "int", "integer range": "int", "float": "float",
            "float range": "float", "datetime": "date", "path": "path", "file": "path",
            "filename": "path"}.get(name, "text"), []


def typing_origin(ann: Any) -> Any:
    import typing

    return typing.get_origin(ann)


def typing_args(ann: Any) -> tuple[Any, ...]:
    import typing

    return typing.get_args(ann)


def _type_label(param: Any) -> str | None:
    kind, choices = param_kind(param)
    if kind == "flag":
        return None
    if kind == "choice":
        return "|".join(choices)
    if param.name in ("output",):
        return "FILE"
    # A text option keeps the metavar its command chose (MODULE, LABEL, VAR, HEX).
    return {"int": "N", "float": "NUMBER", "date": "YYYY-MM-DD", "path": "FILE"}.get(
        kind, param.metavar or param.name.rstrip("_").upper().replace("_", "-"))


def _one_paragraph_per_line(text: str | None) -> str | None:
    """Docstrings wrap at 95 columns; help shows each paragraph as one line."""
    if not text:
        return text
    import inspect

    paras = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paras)


def _usage_name(param: Any) -> Callable[[], str]:
    def name() -> str:
        text = param.metavar or param.name.upper()
        text = text if param.required else f"[{text}]"
        return text + ("..." if param.nargs != 1 else "")

    return name


def _polish(cmd: Any) -> None:
    cmd.help = _one_paragraph_per_line(cmd.help)
    if getattr(cmd, "short_help", None):
        cmd.short_help = _one_paragraph_per_line(cmd.short_help)
    params = list(cmd.params)
    ctx = type(cmd).context_class(cmd, info_name=cmd.name, help_option_names=["-h", "--help"])
    help_option = cmd.get_help_option(ctx)
    if help_option is not None:
        params.append(help_option)
    for p in params:
        if p.param_type_name == "option":
            if not p.help:
                p.help = _SHARED_HELP.get(p.name) or _SHARED_HELP.get(p.name.rstrip("_"))
            if p.name == "json_" and p.help in ("Print JSON.", "Print JSON"):
                p.help = _SHARED_HELP["json_"]
            label = _type_label(p)
            if p.multiple and p.help and "repeat" not in p.help.lower():
                p.help = p.help.rstrip() + " Repeat for more."
            p.metavar = label
            # Typer renders its own <type> labels; show the plain metavar instead.
            p.display_type_rich = (lambda ctx, _l=label: _l)
            _plain_range(p)
        elif p.param_type_name == "argument":
            if p.metavar is None:
                p.metavar = p.name.rstrip("_").upper().replace("_", "-")
            p.display_type_rich = lambda ctx: None
            if hasattr(p, "_usage_display_name"):
                p._usage_display_name = _usage_name(p)
    if getattr(cmd, "callback", None) is not None and not hasattr(cmd, "commands"):
        cmd.callback = _name_the_option(cmd, cmd.callback)


def _plain_range(p: Any) -> None:
    """No "N [x>=1]" next to the metavar: the range goes into the help text in words."""
    low, high = getattr(p, "min", None), getattr(p, "max", None)
    if hasattr(p, "_get_number_range_help_str"):
        p._get_number_range_help_str = lambda: None
    if low is None and high is None:
        return
    help_text = (p.help or "").rstrip()
    if str(low if low is not None else high) in help_text:
        return  # the help already states it
    words = (f"{low} to {high}" if low is not None and high is not None
             else f"at least {low}" if low is not None else f"at most {high}")
    p.help = f"{help_text} ({words}).".lstrip() if help_text else f"{words[0].upper()}{words[1:]}."


def _attach_examples(cmd: Any, path: str) -> list[str]:
    """Examples for ``path``; a group shows those of its first commands."""
    if hasattr(cmd, "commands"):
        cmd.commands = dict(sorted(cmd.commands.items()))
        mine: list[str] = []
        for name, sub in cmd.commands.items():
            mine += _attach_examples(sub, f"{path} {name}".strip())[:1]
        if path:
            cmd.epilog = _epilog(EXAMPLES.get(path, [])[:2] or mine[:2])
        _polish(cmd)
        return EXAMPLES.get(path, []) or mine
    examples = EXAMPLES.get(path, [])
    if examples:
        cmd.epilog = _epilog(examples)
    _polish(cmd)
    return examples


def _epilog(examples: list[str]) -> str:
    return "\n\n".join(f"Example: {e}" for e in examples)


def leaf_commands(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, cmd in group.commands.items():
        path = f"{prefix} {name}".strip()
        if hasattr(cmd, "commands"):
            out.append((path, cmd))
            out += leaf_commands(cmd, path)
        else:
            out.append((path, cmd))
    return out


_BUILT: dict[tuple[int, int], Any] = {}


def build_command() -> Any:
    """The finished click command tree; rebuilt only when a command was registered since
    (a test or plug-in adding one late still finds it)."""
    key = (len(app.registered_commands), len(app.registered_groups))
    if key not in _BUILT:
        _BUILT.clear()
        root = typer.main.get_command(app)
        _attach_examples(root, "")
        _BUILT[key] = root
    return _BUILT[key]
