"""Entry point: the one boundary where everything a command raises becomes one line on
stderr and the README's exit code. Nothing a user types prints a traceback, unless they
ask for one with ``--debug`` (or CERTYARD_DEBUG=1).

Sub-command modules live in certyard.cli.commands; each exposes either ``app`` (a Typer
group, mounted under ``NAME``) or ``register(root)`` for top-level commands, so rooms add
commands without editing this file. This module imports nothing heavy at import time, so
``certyard --version`` answers without loading the application."""

from __future__ import annotations

import os
import re
import sys
from typing import Any

from certyard import __version__

__all__ = ["main", "run"]


def __getattr__(name: str) -> Any:
    # `from certyard.cli.main import app` still works; the tree loads on first use.
    if name == "app":
        from certyard.cli.tree import app

        return app
    raise AttributeError(name)


def _split_options(args: list[str]) -> tuple[list[str], bool, bool]:
    """Remove the global --debug; note --json (errors then come as JSON)."""
    end = args.index("--") if "--" in args else len(args)
    head, tail = args[:end], args[end:]
    debug = "--debug" in head
    head = [a for a in head if a != "--debug"]
    return head + tail, debug, "--json" in head


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _has_base(exc: BaseException, *names: str) -> bool:
    return any(k.__name__ in names for k in type(exc).__mro__)


class _Failure:
    def __init__(self, code: int, kind: str, reason: str, message: str,
                 option: str | None = None, problems: list[Any] | None = None) -> None:
        self.code, self.kind, self.reason, self.message = code, kind, reason, message
        self.option = option
        self.problems = problems or []  # several errors at once: one line each


def _usage_message(exc: Any) -> str:
    text = " ".join(str(exc.format_message()).split()).replace(": Value error, ", ": ")
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", None)
    if path:
        return f"{text} (see `{path} --help`)"
    return text


def _param_name(param: Any) -> str:
    opts = [o for o in getattr(param, "opts", []) if o.startswith("--")]
    if param.param_type_name == "option" and opts:
        return str(opts[0])
    return str(param.metavar or param.name.upper())


def _typed_value(exc: Any) -> str | None:
    """What the user typed for the refused value, printable and short, when known."""
    value: Any = None
    cause = getattr(exc, "__cause__", None)
    errors = getattr(cause, "errors", None)
    if callable(errors):
        try:
            first = errors()[0]
        except (IndexError, TypeError, ValueError):
            first = {}
        value = first.get("input") if isinstance(first, dict) else None
    if value is None:
        m = re.search(r"'([^']*)' (?:does not match|is not)", str(getattr(exc, "message", "")))
        value = m.group(1) if m else None
    if value is None or isinstance(value, (list, tuple, dict)):
        return None
    text = "".join(c if c.isprintable() else "?" for c in str(value))
    return text[:40] + ("..." if len(text) > 40 else "")


def _plain_value_message(exc: Any) -> tuple[str, str] | None:
    """(message, option) in an administrator's words for a value of the wrong kind, instead
    of the library's ("Input should be a valid integer", strptime formats)."""
    param = getattr(exc, "param", None)
    if param is None or _has_base(exc, "MissingParameter", "NoSuchOption"):
        return None
    from certyard.cli.tree import param_kind

    kind, _ = param_kind(param)
    name = _param_name(param)
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    what = {"int": "a whole number", "float": "a number"}.get(kind)
    if what is not None:
        if low is not None and high is not None:
            what += f" from {low} to {high}"
        elif low is not None:
            what += f" of at least {low}"
        elif high is not None:
            what += f" of at most {high}"
        message = f"{name} must be {what}"
    elif kind == "date":
        message = f"{name} must be a date: use YYYY-MM-DD"
    else:
        return None
    typed = _typed_value(exc)
    return (message + (f' (you typed "{typed}")' if typed is not None else "")), name


def _classify(exc: BaseException) -> _Failure | None:
    """Map what a command raised to a failure; None means "not expected here"."""
    from certyard.cli.ui import Aborted, UsageProblem
    from certyard.errors import CertyardError, InvalidInputs

    if isinstance(exc, CertyardError):
        from certyard.cli.errors import error_class, exit_code

        reason = getattr(exc, "reason", None) or getattr(exc, "rule", None) or exc.code
        if reason == "failed" and exc.code != error_class(exc):  # a class-wide reason
            reason = exc.code  # says less than the error's own code (sftp_failed)
        return _Failure(exit_code(exc), error_class(exc), str(reason), exc.message,
                        getattr(exc, "option", None),
                        list(exc.problems) if isinstance(exc, InvalidInputs) else [])
    if isinstance(exc, UsageProblem):
        return _Failure(2, "invalid_input", "usage", str(exc))
    if isinstance(exc, OSError) and exc.filename is not None:
        # A path the user gave that the file system refuses (too long, not a directory,
        # read-only ...): an unusable file, named (shortened) with the system's reason.
        name = str(exc.filename)
        shown = name if len(name) <= 120 else name[:117] + "..."
        return _Failure(3, "invalid_file", "file_system",
                        f"cannot use {shown}: {exc.strerror or type(exc).__name__}")
    if isinstance(exc, Aborted):
        return _Failure(1, "aborted", "aborted", str(exc))
    # typer >= 0.2x raises typer._click exceptions, older ones click's: match either by
    # the class names they share rather than by one library's classes.
    if _has_base(exc, "Abort"):
        return _Failure(1, "aborted", "aborted", "aborted; nothing was changed")
    if _has_base(exc, "NoArgsIsHelpError"):
        # A bare group (`certyard`, `certyard node`): its help, then one line; a missing
        # command is invalid input (2). typer's rich help is printed while the error is
        # built and leaves the message empty; click's plain help is the message.
        text = str(exc.format_message()).strip()  # type: ignore[attr-defined]
        if text:
            sys.stdout.write(text + "\n")
        path = getattr(getattr(exc, "ctx", None), "command_path", None) or "certyard"
        return _Failure(2, "invalid_input", "missing_command",
                        f"missing command: `{path}` needs one of the commands listed "
                        f"above (see `{path} --help`)")
    if _has_base(exc, "UsageError", "BadParameter", "NoSuchOption", "MissingParameter"):
        plain = _plain_value_message(exc)
        if plain is not None:
            path = getattr(getattr(exc, "ctx", None), "command_path", None)
            message = plain[0] + (f" (see `{path} --help`)" if path else "")
            return _Failure(2, "invalid_input", _snake(type(exc).__name__), message, plain[1])
        param = getattr(exc, "param", None)
        return _Failure(2, "invalid_input", _snake(type(exc).__name__), _usage_message(exc),
                        _param_name(param) if param is not None else None)
    if _has_base(exc, "FileError"):
        return _Failure(3, "invalid_file", "file_error", " ".join(
            str(exc.format_message()).split()))  # type: ignore[attr-defined]
    if _has_base(exc, "ClickException") and hasattr(exc, "format_message"):
        return _Failure(int(getattr(exc, "exit_code", 1)), "error", _snake(type(exc).__name__),
                        " ".join(str(exc.format_message()).split()))
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError,
                        FileExistsError, PermissionError)):
        name = exc.filename if exc.filename is not None else "file"
        return _Failure(3, "invalid_file", _snake(type(exc).__name__),
                        f"cannot use {name}: {exc.strerror or exc}")
    return None


def _report(failure: _Failure, json_mode: bool) -> None:
    if json_mode:
        import json

        body: dict[str, Any] = {"code": failure.kind, "reason": failure.reason,
                                "message": failure.message}
        if failure.option:
            body["option"] = failure.option
        if failure.problems:
            body["problems"] = [{"code": p.code, "message": p.message,
                                 **({"option": p.option} if getattr(p, "option", None)
                                    else {})} for p in failure.problems]
        sys.stderr.write(json.dumps({"error": body}) + "\n")
    elif failure.problems:
        sys.stderr.write("".join(f"error: {p.message}\n" for p in failure.problems))
    else:
        sys.stderr.write(f"error: {failure.message}\n")
    sys.stderr.flush()


def _exit_code(exc: BaseException) -> int | None:
    if _has_base(exc, "Exit") and hasattr(exc, "exit_code"):
        return int(exc.exit_code or 0)
    if isinstance(exc, SystemExit):
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return None


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (see README, exit codes)."""
    args, debug, json_mode = _split_options(list(sys.argv[1:] if argv is None else argv))
    debug = debug or os.environ.get("CERTYARD_DEBUG", "") not in ("", "0")
    if args[:1] == ["--version"]:
        sys.stdout.write(f"certyard {__version__}\n")
        return 0
    try:
        from certyard.cli.context import invocation
        from certyard.cli.tree import build_command
        from certyard.cli.ui import set_quiet

        set_quiet(json_mode)
        with invocation():  # the command's context is opened once and disposed here
            rv = build_command().main(args=args, standalone_mode=False, prog_name="certyard")
    except KeyboardInterrupt:
        sys.stderr.write("interrupted; the operation may not have finished\n")
        return 130
    except BrokenPipeError:
        return 141
    except BaseException as exc:  # the one catch-all at the boundary
        code = _exit_code(exc)
        if code is not None:
            return code
        failure = _classify(exc)
        if failure is None:
            if debug:
                import traceback

                traceback.print_exception(exc)
            # The exception's text may carry internals (SQL, paths, keys' names): the
            # class only, and the trace on request.
            failure = _Failure(1, "internal", "unexpected",
                               f"internal error ({type(exc).__name__}); "
                               + ("the trace is above" if debug
                                  else "run with --debug (or CERTYARD_DEBUG=1) for a trace"))
        elif debug and failure.code == 1 and failure.kind == "error":
            import traceback

            traceback.print_exception(exc)
        _report(failure, json_mode)
        return failure.code
    # Without standalone mode, click returns typer.Exit(n)'s code instead of exiting.
    return rv if isinstance(rv, int) else 0


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
