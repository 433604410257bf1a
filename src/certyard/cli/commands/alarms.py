"""certyard alarms ..."""

from __future__ import annotations

import typer

from certyard import alarms as alarm_log
from certyard.cli.context import cli_context
from certyard.cli.output import console, emit_json, emit_list, fmt_datetime, show_fields, table

NAME = "alarms"
app = typer.Typer(help="The alarm log (expiry, revocation, e-mail, syslog, agents) and "
                       "e-mail alert actions.", no_args_is_help=True)
action_app = typer.Typer(help="Alert actions: who gets an e-mail for which alarm.",
                         no_args_is_help=True)
app.add_typer(action_app, name="action")


@app.command("list")
def list_(
    active: bool = typer.Option(False, "--active", help="Only alarms not cleared."),
    name: str = typer.Option(None, "--name", help="Only this alarm, e.g. CertificateExpired."),
    object_: str = typer.Option(None, "--object", help="Object contains this text."),
    limit: int = typer.Option(500, "--limit", help="At most this many rows."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """List alarms, newest first: severity, object, first/last seen, count, cleared."""
    rows = alarm_log.list_alarms(cli_context(), active_only=active, name=name,
                               object_contains=object_, limit=limit)
    if json_:
        emit_list(rows)
        return
    table("Alarms", ["ID", "Alarm", "Severity", "Object", "First seen", "Last seen", "Count",
                     "State", "Message"],
          [(a.id, a.name, a.severity, a.object, fmt_datetime(a.first_seen),
            fmt_datetime(a.last_seen), a.count, "cleared" if a.cleared else "ACTIVE",
            a.message) for a in rows], empty="no alarms")


@app.command("show")
def show(alarm_id: int = typer.Argument(..., help="Alarm ID."),
         json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show one alarm."""
    a = alarm_log.get_alarm(cli_context(), alarm_id)
    if json_:
        emit_json(a.to_dict())
        return
    show_fields(a)


@app.command("clear")
def clear(alarm_id: int = typer.Argument(..., help="Alarm ID."),
          json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Clear an alarm by hand (it re-opens if the condition is seen again)."""
    a = alarm_log.clear_alarm_by_id(cli_context(), alarm_id)
    if json_:
        emit_json(a.to_dict())
    else:
        console.print(f"Cleared alarm {a.id} ({a.name} on {a.object}).")


@action_app.command("show")
def action_show(json_: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Alert actions with recipients, and which alarm uses which action."""
    aa = alarm_log.get_alert_actions(cli_context())
    if json_:
        emit_json(aa.to_dict())
        return
    table("Alert actions", ["Action", "Enabled", "Recipients"],
          [(n, "yes" if a["enabled"] else "no", ", ".join(a["recipients"]))
           for n, a in aa.actions.items()])
    table("Alarm routing", ["Alarm", "Action"], sorted(aa.alarms.items()),
          empty="every alarm uses the Default action")


@action_app.command("set")
def action_set(
    action: str = typer.Option("Default", "--action", help="Alert action name."),
    recipients: str = typer.Option(None, "--recipients",
                                   help="Comma-separated e-mail addresses (replaces the list)."),
    enable: bool = typer.Option(None, "--enable/--disable", help="Send e-mail for it or not."),
    alarm: str = typer.Option(None, "--alarm", help="Route this alarm to the action."),
    json_: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Edit an alert action (created if new); alerts are sent at most once an hour per
    alarm and object."""
    rcpt = None if recipients is None else [r for r in recipients.split(",") if r.strip()]
    aa = alarm_log.update_alert_actions(cli_context(), action=action, recipients=rcpt,
                                      enabled=enable, alarm=alarm)
    if json_:
        emit_json(aa.to_dict())
    else:
        a = aa.actions[action]
        console.print(f"Alert action {action}: {'enabled' if a['enabled'] else 'disabled'}, "
                      f"recipients {', '.join(a['recipients']) or '-'}.")
