"""Files and values a person can get wrong at the terminal, each one line with the exit
code of its class and nothing changed: a secret file that is not UTF-8, a client key or
known_hosts file that is not one, an export name that is a path or too long, a page or a
search text beyond any store, a backup directory the file system refuses. The JSON error
names the class of error in ``code`` and the cause in ``reason`` (README, JSON output)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

BAD_UTF8 = b"\xff\xfe not text\n"
SFTP = ("bulk", "configure", "--host", "127.0.0.1", "--port", "2", "--user", "u",
        "--directory", "/x", "--host-key-fingerprint",
        "SHA256:" + "A" * 43)


def _one_line(res: Any) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error" not in res.stderr \
        and "Traceback" not in res.stderr, res.stderr
    return lines[0]


def _json_error(res: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(res.stderr)["error"]
    return body


@pytest.fixture
def cluster(cli):  # type: ignore[no-untyped-def]
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    return cli


def test_secret_files_that_are_not_utf8_text(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "secret"
    bad.write_bytes(BAD_UTF8)
    for args in ((*SFTP, "--password-file", str(bad)),
                 (*SFTP, "--known-hosts-file", str(bad)),
                 ("backup", str(tmp_path / "b.cyb"), "--password-file", str(bad)),
                 ("security-password", "set", "--password-file", str(bad))):
        res = cluster(*args)
        assert res.code == 3 and "is not UTF-8 text" in _one_line(res), args
    assert not (tmp_path / "b.cyb").exists()
    assert cluster("bulk", "show", "--json").code in (0, 4)  # nothing was configured


def test_a_client_key_or_known_hosts_file_that_is_not_one(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    junk = tmp_path / "junk"
    junk.write_bytes(b"not a key at all\n")
    res = cluster(*SFTP, "--key-file", str(junk))
    assert res.code == 3 and "cannot be read (OpenSSH or PEM" in _one_line(res)
    hosts = tmp_path / "hosts"
    hosts.write_text("sftp.example.com ssh-ed25519 !!!notbase64\n")
    res = cluster(*SFTP, "--known-hosts-file", str(hosts))
    assert res.code == 3 and "line 1 cannot be read" in _one_line(res)


@pytest.mark.parametrize("name", ["certyard-export-../../etc", "certyard-export-x/y",
                                  "certyard-export-" + "é" * 3000, "certyard-export-a\nb",
                                  "certyard-export-"])
def test_export_names_that_are_paths_or_too_long(cluster, name: str) -> None:  # type: ignore[no-untyped-def]
    res = cluster("bulk", "import-preview", name, "--json")
    assert res.code == 2, res.stderr
    err = _json_error(res)
    assert err["code"] == "invalid_input" and "not an export name" in err["message"]
    assert len(err["message"]) < 300  # the name is shortened, not echoed whole


def test_a_page_or_search_text_beyond_any_store(cluster) -> None:  # type: ignore[no-untyped-def]
    res = cluster("cert", "list", "--page", "99999999999999999999999")
    assert res.code == 2 and "page" in _one_line(res)
    res = cluster("cert", "list", "--find", "x" * 50_000)
    assert res.code == 2 and "--find: search text is at most 1,000 characters" in _one_line(res)
    assert cluster("cert", "list", "--find", "x" * 1000).code == 0


def test_a_backup_directory_the_file_system_refuses(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    res = cluster("db", "upgrade", "--backup-dir", str(tmp_path / ("d" * 100_000)))
    assert res.code in (0, 3), res.stderr  # up to date: nothing to back up
    if res.code == 3:
        assert "cannot use" in _one_line(res) and len(res.stderr) < 400


def test_json_errors_name_the_class_and_the_cause(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert cluster("node", "add", "sub1", "--fqdn", "sub1.example.com").code == 0
    res = cluster("node", "add", "sub1", "--fqdn", "sub1.example.com", "--json")
    err = _json_error(res)
    assert res.code == 5 and err["code"] == "conflict", err
    pw = tmp_path / "pw"
    pw.write_text("pw-123\n")
    assert cluster(*SFTP, "--password-file", str(pw)).code == 0  # nothing listens on port 2
    res = cluster("bulk", "export", "tomcat", "--json")
    err = _json_error(res)
    assert res.code == 8 and err["code"] == "external_service", err
    assert err["reason"] != "failed"


def test_files_too_large_empty_or_not_regular(cluster, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    big = tmp_path / "big"
    with open(big, "wb") as fh:
        fh.truncate(5 * 1024 * 1024)  # sparse: larger than any limit, cheap to make
    res = cluster(*SFTP, "--password-file", str(big), "--json")
    err = _json_error(res)
    assert res.code == 3 and err["reason"] == "too_large" and str(big) in err["message"]
    res = cluster(*SFTP, "--password-file", "/dev/zero")
    assert res.code == 3 and "is larger than that; the limit is 4,096 bytes" in _one_line(res)
    empty = tmp_path / "empty"
    empty.write_bytes(b"\n")
    for args in ((*SFTP, "--password-file", str(empty)),
                 ("backup", str(tmp_path / "b.cyb"), "--password-file", str(empty))):
        res = cluster(*args)
        assert res.code == 3 and "holds no password" in _one_line(res), args
    pw = tmp_path / "pw"
    pw.write_text("Security-Pass-42-Xq\n")
    for target, words in ((tmp_path, "is a directory"), (Path("/dev/zero"), "not a regular"),
                          (big, "not a certyard backup")):
        res = cluster("restore", str(target), "--password-file", str(pw), "--yes")
        assert res.code == 3 and words in _one_line(res), target
