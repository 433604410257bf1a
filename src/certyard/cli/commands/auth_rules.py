"""certyard auth-rules show|set — Authentication Rules (credential policy, lockout,
sessions)."""

from __future__ import annotations

import typer

from certyard import accounts
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json

NAME = "auth-rules"
app = typer.Typer(help="Authentication Rules: password policy, lockout and sessions.",
                  no_args_is_help=True)

_LABELS = {
    "failed_attempts": "Failed sign-ins before lockout (0: never)",
    "reset_failed_after_minutes": "Reset failed count after (minutes)",
    "lockout_minutes": "Lockout duration (minutes)",
    "credential_expiry_days": "Password expires after (days, 0: never)",
    "min_length": "Minimum length",
    "max_length": "Maximum length",
    "require_classes": "Required character classes",
    "min_char_changes": "Characters changed between passwords",
    "remembered_credentials": "Previous passwords remembered",
    "min_password_age_days": "Minimum password age (days)",
    "check_trivial": "Refuse trivial passwords",
    "max_sessions": "Concurrent sessions per user (0: unlimited)",
    "inactivity_days": "Disable after inactivity (days, 0: never)",
    "idle_timeout_minutes": "Session idle timeout (minutes)",
    "session_lifetime_hours": "Session lifetime (hours)",
    "password_hash": "Password hashing",
}


def _show(rules: dict, json_: bool) -> None:  # type: ignore[type-arg]
    if json_:
        emit_json(rules)
        return
    for key, label in _LABELS.items():
        value = rules.get(key)
        if isinstance(value, bool):
            text = "yes" if value else "no"
        elif isinstance(value, list):
            text = ", ".join(value) or "-"
        else:
            text = "-" if value is None else str(value)
        console.print(f"{label + ':':<46} {text}")


@app.command("show")
def show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the Authentication Rules in force.

    Example: certyard auth-rules show
    """
    _show(accounts.get_auth_rules(cli_context()), json_)


@app.command("set")
def set_(
    failed_attempts: int = typer.Option(None, "--failed-attempts", min=0, max=100,
                                        help="Failed sign-ins before lockout (0: never)."),
    lockout_minutes: int = typer.Option(None, "--lockout-minutes", min=1, max=120000,
                                        help="How long a locked account stays locked."),
    expiry_days: int = typer.Option(None, "--expiry-days", min=0, max=3650,
                                    help="Password expires after N days (0: never)."),
    min_length: int = typer.Option(None, "--min-length", min=1, max=127,
                                   help="Minimum password length."),
    max_length: int = typer.Option(None, "--max-length", min=8, max=127,
                                   help="Maximum password length."),
    require: str = typer.Option(None, "--require",
                                help="Required character classes, comma-separated: lower, "
                                     "upper, digit, special ('' for none)."),
    char_changes: int = typer.Option(None, "--char-changes", min=0, max=127,
                                     help="Characters that must change between passwords."),
    remembered: int = typer.Option(None, "--remembered", min=0, max=50,
                                   help="Previous passwords that cannot be reused."),
    min_age_days: int = typer.Option(None, "--min-age-days", min=0, max=365,
                                     help="Days before a user may change their own password "
                                          "again."),
    trivial: bool = typer.Option(None, "--check-trivial/--no-check-trivial",
                                 help="Refuse trivial passwords."),
    max_sessions: int = typer.Option(None, "--max-sessions", min=0, max=1000,
                                     help="Concurrent sessions per user (0: unlimited)."),
    inactivity_days: int = typer.Option(None, "--inactivity-days", min=0, max=3650,
                                        help="Disable accounts unused for N days (0: never)."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Change Authentication Rules; options not given keep their value. While Enhanced
    Security Mode is on, rules cannot be loosened below its floor.

    Example: certyard auth-rules set --min-length 12 --require lower,upper,digit
    """
    changes: dict[str, object] = {
               "failed_attempts": failed_attempts, "lockout_minutes": lockout_minutes,
               "credential_expiry_days": expiry_days, "min_length": min_length,
               "max_length": max_length, "min_char_changes": char_changes,
               "remembered_credentials": remembered, "min_password_age_days": min_age_days,
               "check_trivial": trivial, "max_sessions": max_sessions,
               "inactivity_days": inactivity_days}
    if require is not None:
        changes["require_classes"] = [c.strip() for c in require.split(",") if c.strip()]
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        from certyard.errors import InvalidInput

        raise InvalidInput("give at least one rule to change (see --help)")
    _show(accounts.set_auth_rules(cli_context(), **changes), json_)
