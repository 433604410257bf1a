"""Wrong values are named in the administrator's words (no library wording such as "Input
should be ..." or strptime formats); JSON errors name the option; help shows plain metavars
without "[x>=1]" range marks."""

from __future__ import annotations

import json


def test_wrong_values_in_plain_words(cli) -> None:  # type: ignore[no-untyped-def]
    for args, said in ((("cert", "show", "abc"), "ID must be a whole number"),
                       (("cert", "list", "--page-size", "-5"),
                        "--page-size must be a whole number from 1 to 1000"),
                       (("cert", "list", "--page-size", "1001"),
                        "--page-size must be a whole number from 1 to 1000"),
                       (("cert", "list", "--expiring-before", "yesterday"),
                        "--expiring-before must be a date: use YYYY-MM-DD")):
        r = cli(*args)
        assert r.code == 2, (args, r.stderr)
        assert said in r.stderr, (args, r.stderr)
        assert "Input should" not in r.stderr and "%Y" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_json_error_names_the_option(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("cert", "list", "--json", "--page-size", "abc")
    assert r.code == 2
    body = json.loads(r.stderr)["error"]
    assert body["option"] == "--page-size" and body["code"] == "invalid_input"


def test_help_has_no_range_marks(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("cert", "list", "--help")
    assert r.code == 0
    assert "x>=" not in r.stdout and "<=x" not in r.stdout
    assert "1-1000" in r.stdout or "1 to 1000" in r.stdout


def test_confirm_without_terminal_reads_plainly(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--fqdn", "pub.example.com", "--name", "pub").code == 0
    r = cli("cert", "delete", "1")
    assert r.code == 2
    assert "error: no terminal to confirm on: add --yes to delete certificate 1" in r.stderr
    assert "Continue:" not in r.stderr


def test_revoke_of_revoked_certificate_says_so_first(cli) -> None:  # type: ignore[no-untyped-def]
    assert cli("init", "--fqdn", "pub.example.com", "--name", "pub").code == 0
    assert cli("ca", "init", "--key-type", "EC", "--key-size", "256").code == 0
    assert cli("csr", "generate", "tomcat").code == 0
    r = cli("ca", "sign-pending", "tomcat", "--approve", "--json")
    assert r.code == 0, r.stderr
    serial = r.json()["serial"]
    assert cli("ca", "revoke", serial, "--yes").code == 0
    r = cli("ca", "revoke", serial)  # no --yes, no terminal: the state is the answer
    assert r.code == 5, r.stderr
    assert "already revoked" in r.stderr and "no terminal" not in r.stderr


def test_top_level_help_lists_every_exit_code(cli) -> None:  # type: ignore[no-untyped-def]
    out = " ".join(cli("--help").stdout.split())
    assert "9 audit trail edited" in out and "130 interrupted" in out
