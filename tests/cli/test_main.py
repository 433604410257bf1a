from __future__ import annotations


def test_init_and_list(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("init", "--fqdn", "pub.example.com", "--name", "pub")
    assert r.code == 0, r.stderr
    r = cli("cert", "list", "--json")
    assert r.code == 0, r.stderr
    data = r.json()
    types = sorted((i["purpose"], i["type"]) for i in data["items"])
    assert types == sorted([(p, t) for p in ("tomcat", "tomcat-ECDSA", "ipsec")
                            for t in ("identity", "trust")])


def test_exit_codes_from_typer_exit_are_kept() -> None:
    import typer

    from certyard.cli import main as cli_main

    @cli_main.app.command("exit-with-three", hidden=True)
    def _three() -> None:
        raise typer.Exit(3)

    try:
        assert cli_main.main(["exit-with-three"]) == 3
        assert cli_main.main(["--version"]) == 0
    finally:
        cli_main.app.registered_commands.pop()
