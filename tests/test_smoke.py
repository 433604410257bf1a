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
