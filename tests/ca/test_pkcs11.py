"""CA keys in a real SoftHSM2 token: a root and an issuing CA generated in the token from
the CLI; issue, revoke, CRL and OCSP accepted by openssl; pkcs11-tool shows the keys are
sensitive and were never extractable; `ca show` says where they live."""

from __future__ import annotations

import subprocess
from pathlib import Path

import httpx
import pytest
from cryptography import x509

from certyard import ca
from certyard.cli.errors import exit_code
from certyard.http.errors import http_status
from tests.ca.helpers import make_csr
from tests.ca.server import free_port, public_server
from tests.ca.softhsm import SoftHsm, softhsm, unique_label  # noqa: F401 (fixture)
from tests.support.modes import fips_ready

pytestmark = [pytest.mark.usefixtures("softhsm"), pytest.mark.slow]


def _run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(list(args), capture_output=True)


def _token_args(hsm: SoftHsm, label: str) -> list[str]:
    return ["--pkcs11", hsm.module, "--token", hsm.label, "--key-label", label,
            "--pin-file", str(hsm.pin_file)]


@pytest.mark.parametrize("key", ["EC-384", "RSA-2048"])
def test_ca_in_token_end_to_end(cli, ctx, softhsm: SoftHsm, tmp_path: Path,  # type: ignore[no-untyped-def]  # noqa: F811
                                key: str) -> None:
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    assert cli("ca", "config", "--base-url", base).code == 0
    label = unique_label("e2e")
    kt, size = key.split("-")
    r = cli("ca", "init", "--key-type", kt, "--key-size", size, *_token_args(softhsm, label),
            "--json")
    assert r.code == 0, r.stderr

    shown = cli("ca", "show", "--json")
    assert shown.code == 0, shown.stderr
    items = {i["role"]: i for i in shown.json()["items"]}
    for role, suffix in (("root", "-root"), ("issuing", "-issuing")):
        loc = items[role]["location"]
        assert loc["kind"] == "pkcs11" and loc["token"] == softhsm.label
        assert loc["key_label"] == label + suffix and items[role]["key"] == key
        assert "PKCS#11 token" in items[role]["where"]
    text = cli("ca", "show").stdout
    assert f"{label}-issuing" in text
    # The PIN is sealed or named, never stored in clear.
    assert "4821-test" not in shown.stdout

    # pkcs11-tool: both private keys are in the token, sensitive and never extractable,
    # and can sign only (no decrypt/unwrap for RSA, no derive for EC); the public halves
    # verify only.
    out = _run("pkcs11-tool", "--module", softhsm.module, "--token-label", softhsm.label,
               "--login", "--pin", softhsm.pin, "--list-objects", "--type", "privkey")
    listing = out.stdout.decode()
    assert out.returncode == 0, out.stderr
    for suffix in ("-root", "-issuing"):
        block = listing.split(f'label:      {label}{suffix}\n')[1].split("Key Object")[0]
        assert "sensitive" in block and "never extractable" in block, block
        assert "always sensitive" in block
        (usage,) = [ln for ln in block.splitlines() if ln.strip().startswith("Usage:")]
        assert usage.split(":", 1)[1].strip() == "sign", block
    out = _run("pkcs11-tool", "--module", softhsm.module, "--token-label", softhsm.label,
               "--login", "--pin", softhsm.pin, "--list-objects", "--type", "pubkey")
    assert out.returncode == 0, out.stderr
    for suffix in ("-root", "-issuing"):
        block = out.stdout.decode().split(f'label:      {label}{suffix}\n')[1] \
            .split("Key Object")[0]
        (usage,) = [ln for ln in block.splitlines() if ln.strip().startswith("Usage:")]
        assert usage.split(":", 1)[1].strip() == "verify", block

    _, csr = make_csr("app.example.com")
    csr_path = tmp_path / "app.csr"
    from cryptography.hazmat.primitives.serialization import Encoding

    csr_path.write_bytes(csr.public_bytes(Encoding.PEM))
    r = cli("ca", "submit", str(csr_path), "--profile", "server")
    assert r.code == 0, r.stderr
    leaf = tmp_path / "leaf.pem"
    r = cli("ca", "issue", r.stdout.strip(), "-o", str(leaf))
    assert r.code == 0, r.stderr
    chain = tmp_path / "chain.pem"
    issuing = tmp_path / "issuing.pem"
    root = tmp_path / "root.pem"
    assert cli("ca", "export", "--chain", "-o", str(chain)).code == 0
    assert cli("ca", "export", "-o", str(issuing)).code == 0
    root.write_text(chain.read_text().split("-----END CERTIFICATE-----\n")[1]
                    + "-----END CERTIFICATE-----\n")
    out = _run("openssl", "verify", "-CAfile", str(root), "-untrusted", str(issuing),
               str(leaf))
    assert out.returncode == 0 and b": OK" in out.stdout, out.stdout + out.stderr
    cert = x509.load_pem_x509_certificate(leaf.read_bytes())
    cert.verify_directly_issued_by(x509.load_pem_x509_certificate(issuing.read_bytes()))
    serial = format(cert.serial_number, "x")

    with public_server(ctx, port=port):
        def ocsp_status() -> str:
            out = _run("openssl", "ocsp", "-issuer", str(issuing), "-cert", str(leaf), "-url",
                       f"{base}/ocsp", "-CAfile", str(root), "-resp_text")
            assert out.returncode == 0, out.stderr
            assert b"Response verify OK" in out.stderr, out.stderr
            return out.stdout.decode()

        first = ocsp_status()
        assert f"{leaf}: good" in first and "OCSP Nonce" in first
        r = cli("ca", "revoke", serial, "--reason", "keyCompromise", "--yes")
        assert r.code == 0, r.stderr
        after = ocsp_status()
        assert f"{leaf}: revoked" in after and "Reason: keyCompromise" in after
        crl = tmp_path / "crl.der"
        crl.write_bytes(httpx.get(f"{base}/ca/crl").content)
    out = _run("openssl", "crl", "-inform", "DER", "-in", str(crl), "-CAfile", str(issuing),
               "-noout", "-verify", "-text")
    assert out.returncode == 0 and b"verify OK" in out.stderr, out.stderr
    assert serial.upper() in out.stdout.decode().replace(":", "")
    # The root's CRL is signed by the root's token key.
    root_row = items["root"]["id"]
    root_crl = tmp_path / "root.crl"
    root_crl.write_bytes(ca.current_crl(ctx, ca_id=root_row))
    out = _run("openssl", "crl", "-inform", "DER", "-in", str(root_crl), "-CAfile", str(root),
               "-noout", "-verify")
    assert out.returncode == 0 and b"verify OK" in out.stderr, out.stderr


def test_token_key_never_in_the_database(ctx, softhsm: SoftHsm) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The private_key rows of token CAs hold a sealed reference only: no PIN in clear and
    nothing that parses as a private key."""
    from sqlalchemy import select

    from certyard.db.models import PrivateKey
    from certyard.db.models.ca import CaCertificate
    from tests.ca.helpers import setup_ca

    label = unique_label("db")
    ref = ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                   key_label=label, pin_file=str(softhsm.pin_file),
                                   seal_pin=True)
    setup_ca(ctx, key_type="EC", key_size=256, pkcs11=ref)
    with ctx.read() as s:
        rows = list(s.scalars(select(PrivateKey).where(PrivateKey.id.in_(
            select(CaCertificate.private_key_id)))))
    assert len(rows) == 2
    assert {r.key_type for r in rows} == {"p11:EC"}
    for r in rows:
        assert softhsm.pin.encode() not in r.sealed and label.encode() not in r.sealed
    assert "4821" not in repr(ref)
    # The sealed PIN works without the file.
    views = ca.issue_certificates_for_csrs(ctx, [make_csr("x.example.com")[1]],
                                           profile="server")
    assert views[0].serial


def test_import_existing_token_key_by_label_and_id(ctx, softhsm: SoftHsm) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import datetime as dt

    from cryptography.x509.oid import NameOID

    from certyard.ca.signing import Pkcs11Signer, generate_token_key, sign_certificate
    from certyard.cluster import init_cluster
    from certyard.errors import KeyMismatch

    init_cluster(ctx, name="pub", fqdn="pub.example.com")
    label = unique_label("imp")
    key_hex = label[-8:]  # unique per test, so the ID matches one key only
    ref = ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                   key_label=label, key_id=key_hex,
                                   pin_file=str(softhsm.pin_file))
    pub = generate_token_key(ref, key_type="EC", key_size=256)
    signer = Pkcs11Signer(ref, pub)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Imported Token CA")])
    now = ctx.clock.now()
    cert = sign_certificate(
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pub)
        .serial_number(9).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False),
        signer)
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = cert.public_bytes(Encoding.PEM)
    missing = ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                       key_label="no-such-key", pin_file=str(softhsm.pin_file))
    with pytest.raises(KeyMismatch, match="no private key"):
        ca.import_ca(ctx, pem, None, pkcs11=missing)
    other = ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                     key_label=unique_label("other"),
                                     pin_file=str(softhsm.pin_file))
    generate_token_key(other, key_type="EC", key_size=256)
    with pytest.raises(KeyMismatch, match="does not belong"):
        ca.import_ca(ctx, pem, None, pkcs11=other)
    colons = ":".join(key_hex[i:i + 2].upper() for i in range(0, 8, 2))  # as tools print it
    import os

    os.environ["CERTYARD_TEST_PIN"] = softhsm.pin
    try:
        by_id = ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                         key_id=colons, pin_env="CERTYARD_TEST_PIN")
        info = ca.import_ca(ctx, pem, None, pkcs11=by_id)
        assert info.issuing["subject"] == "CN=Imported Token CA"
        views = ca.issue_certificates_for_csrs(ctx, [make_csr("y.example.com")[1]],
                                               profile="server")
        issued = x509.load_pem_x509_certificate(views[0].pem.encode())
        issued.verify_directly_issued_by(cert)
        (view,) = ca.describe_ca_keys(ctx)
        assert view.location is not None and view.location.key_id == key_hex
        assert ca.check_token_keys(ctx) == []
    finally:
        del os.environ["CERTYARD_TEST_PIN"]


def test_bad_token_options_are_one_line_errors(cli, softhsm: SoftHsm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    cases = [
        (["--pkcs11", "/nonexistent/lib.so", "--token", "x", "--pin-file",
          str(softhsm.pin_file)], 2, "is not a file"),
        (["--pkcs11", softhsm.module, "--pin-file", str(softhsm.pin_file)], 2, "--token"),
        (["--pkcs11", softhsm.module, "--token", softhsm.label], 2, "PIN"),
        (["--token", softhsm.label], 2, "go with --pkcs11"),
        (["--pkcs11", softhsm.module, "--token", "no-such-token", "--pin-file",
          str(softhsm.pin_file)], 8, "not present"),
        # A PIN file that cannot be read is an unusable file; an unset variable a wrong
        # option: said before anything touches the token.
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--pin-file",
          str(tmp_path / "missing")], 3, "cannot be read"),
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--pin-env",
          "CERTYARD_TEST_UNSET_PIN"], 2, "CERTYARD_TEST_UNSET_PIN is not set"),
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--key-size", "1024",
          "--key-type", "RSA", "--pin-file", str(softhsm.pin_file)], 2, "2048/3072/4096"),
        # Key labels: not empty (no silent default), printable, at most 64 characters.
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--key-label", "",
          "--pin-file", str(softhsm.pin_file)], 2, "--key-label must not be empty"),
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--key-label", "ca\nroot",
          "--pin-file", str(softhsm.pin_file)], 2, "control characters"),
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--key-label", "ca\x1b[2J",
          "--pin-file", str(softhsm.pin_file)], 2, "control characters"),
        (["--pkcs11", softhsm.module, "--token", softhsm.label, "--key-label", "x" * 65,
          "--pin-file", str(softhsm.pin_file)], 2, "at most 64"),
    ]
    for args, code, message in cases:
        r = cli("ca", "init", *args)
        assert r.code == code, (args, r.stdout, r.stderr)
        assert message in r.stderr and "Traceback" not in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = cli("ca", "import", str(softhsm.pin_file), "--pkcs11", softhsm.module, "--token",
            softhsm.label, "--key-label", "", "--pin-file", str(softhsm.pin_file))
    assert r.code == 2 and "--key-label must not be empty" in r.stderr, r.stderr
    assert cli("ca", "show", "--json").json()["items"] == []  # nothing was set up
    # NUL cannot travel in argv; the API and library path refuses it the same way.
    from certyard.errors import InvalidInput

    with pytest.raises(InvalidInput, match="control characters"):
        ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                 key_label="ca\x00root", pin_file=str(softhsm.pin_file))
    ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label, key_label="é" * 64,
                             pin_file=str(softhsm.pin_file))  # 64 characters are fine
    wrong = tmp_path / "wrong-pin"
    wrong.write_text("0000\n")
    r = cli("ca", "init", "--pkcs11", softhsm.module, "--token", softhsm.label,
            "--pin-file", str(wrong))
    assert r.code == 8 and "PIN" in r.stderr and "0000" not in r.stderr, r.stderr


def test_fips_can_require_token_keys(ctx, softhsm: SoftHsm) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from certyard import policy
    from certyard.errors import PolicyForbids, PolicyViolation
    from tests.ca.helpers import setup_ca

    setup_ca(ctx)  # a file-key CA, made before the rule
    fips_ready(ctx)
    policy.enable_fips(ctx)
    # Turning the rule on would stop issuance at once: refused, unchanged, unless forced.
    with pytest.raises(PolicyViolation, match="issuance will be refused at once") as info:
        ca.configure_ca(ctx, fips_require_token=True)
    assert "--force" in info.value.message and exit_code(info.value) == 2
    assert ca.ca_settings(ctx).fips_require_token is False
    ca.configure_ca(ctx, fips_require_token=True, force=True)
    assert "sealed file" in (ca.token_rule_warning(ctx) or "")
    # Issuance is then refused as "not allowed" (exit 6, HTTP 403), naming the fix.
    with pytest.raises(PolicyForbids, match="PKCS#11 token") as refused:
        ca.issue_certificates_for_csrs(ctx, [make_csr("z.example.com")[1]], profile="server")
    assert refused.value.rule == "fips_require_token"
    assert exit_code(refused.value) == 6 and http_status(refused.value) == 403
    assert "--no-fips-require-token" in refused.value.message
    assert ca.list_issued(ctx) == []


def test_fips_require_token_from_the_cli(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """`ca config --fips-require-token` with a file-key CA: with FIPS mode off it is set
    with a warning; with FIPS mode on it is refused (exit 2) unless --force; issuance is
    then refused with exit 6."""
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    assert cli("ca", "init").code == 0
    r = cli("ca", "config", "--fips-require-token", "--json")
    assert r.code == 0 and r.json()["fips_require_token"] is True, r.stderr
    warning = " ".join(r.stderr.split())
    assert "warning:" in warning and "as soon as FIPS mode is turned on" in warning, warning
    assert cli("ca", "config", "--no-fips-require-token").code == 0
    from tests.support.modes import fips_ready_cli

    fips_ready_cli(cli, tmp_path)
    r = cli("fips", "enable")
    assert r.code == 0, r.stderr
    r = cli("ca", "config", "--fips-require-token")
    assert r.code == 2 and "--force" in r.stderr and "refused at once" in r.stderr, r.stderr
    assert cli("ca", "config", "--json").json()["fips_require_token"] is False
    r = cli("ca", "config", "--fips-require-token", "--force")
    assert r.code == 0 and "issuance will be refused" in " ".join(r.stderr.split()), r.stderr
    csr = tmp_path / "z.csr"
    from cryptography.hazmat.primitives.serialization import Encoding

    csr.write_bytes(make_csr("z.example.com")[1].public_bytes(Encoding.PEM))
    rid = cli("ca", "submit", str(csr)).stdout.strip()
    r = cli("ca", "issue", rid)
    assert r.code == 6 and "fips_require_token" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_web_ca_page_says_where_keys_live(ctx, softhsm: SoftHsm) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.api.helpers import make_harness, sign_in

    h = make_harness(ctx)
    label = unique_label("web")
    ca.init_ca(ctx, key_type="EC", key_size=256, pkcs11=ca.TokenRef.from_options(
        module=softhsm.module, token=softhsm.label, key_label=label,
        pin_file=str(softhsm.pin_file)))
    sign_in(h.client, "sysadm")
    r = h.client.get("/ca")
    assert r.status_code == 200
    assert "issuing in a PKCS#11 token" in r.text
    assert f"label &#39;{label}-issuing&#39;" in r.text or f"label '{label}-issuing'" in r.text
    assert softhsm.pin not in r.text


def test_api_lists_key_locations(ctx, softhsm: SoftHsm) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.api.helpers import make_harness

    h = make_harness(ctx)
    label = unique_label("api")
    ca.init_ca(ctx, key_type="EC", key_size=256, pkcs11=ca.TokenRef.from_options(
        module=softhsm.module, token=softhsm.label, key_label=label,
        pin_file=str(softhsm.pin_file)))
    r = h.client.get("/api/v1/ca/keys",
                     headers={"Authorization": f"Bearer {h.tokens['Read-only']}"})
    assert r.status_code == 200, r.text
    by_role = {k["role"]: k for k in r.json()}
    assert by_role["issuing"]["location"]["key_label"] == f"{label}-issuing"
    assert softhsm.pin not in r.text and "pin_file" not in r.text
    assert h.client.get("/api/v1/ca/keys").status_code == 401


def test_delegated_ocsp_responder_key_in_the_token(ctx, softhsm: SoftHsm,  # type: ignore[no-untyped-def]  # noqa: F811
                                                   tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509 import ocsp

    from tests.ca.helpers import setup_ca

    label = unique_label("resp")
    setup_ca(ctx, key_type="EC", key_size=384, pkcs11=ca.TokenRef.from_options(
        module=softhsm.module, token=softhsm.label, key_label=label,
        pin_file=str(softhsm.pin_file)))
    ca.configure_ca(ctx, ocsp_delegated=True)
    responder = next(k for k in ca.describe_ca_keys(ctx) if k.role == "ocsp-signer")
    assert responder.location is not None and responder.location.kind == "pkcs11"
    assert (responder.location.key_label or "").startswith(f"{label}-issuing-ocsp-")

    view = ca.issue_certificates_for_csrs(ctx, [make_csr("o.example.com")[1]],
                                          profile="server")[0]
    leaf = x509.load_pem_x509_certificate(view.pem.encode())
    chain = x509.load_pem_x509_certificates(ca.export_ca(ctx, chain=True))
    # A nonce: signed fresh, by the responder key in the token.
    req = (ocsp.OCSPRequestBuilder().add_certificate(leaf, chain[0], hashes.SHA1())
           .add_extension(x509.OCSPNonce(b"n" * 16), critical=False).build())
    der = ca.ocsp_respond(ctx, req.public_bytes(Encoding.DER))
    resp = ocsp.load_der_ocsp_response(der)
    assert resp.certificate_status == ocsp.OCSPCertStatus.GOOD
    assert resp.certificates and "OCSP Responder" in resp.certificates[0].subject.rfc4514_string()
    for name, data in (("resp.der", der), ("leaf.pem", view.pem.encode()),
                       ("issuing.pem", chain[0].public_bytes(Encoding.PEM)),
                       ("root.pem", chain[1].public_bytes(Encoding.PEM))):
        (tmp_path / name).write_bytes(data)
    out = _run("openssl", "ocsp", "-respin", str(tmp_path / "resp.der"), "-no_nonce",
               "-issuer", str(tmp_path / "issuing.pem"), "-cert", str(tmp_path / "leaf.pem"),
               "-CAfile", str(tmp_path / "root.pem"), "-verify_other",
               str(tmp_path / "issuing.pem"))
    text = (out.stdout + out.stderr).decode()
    assert "Response verify OK" in text and "good" in text, text


def test_cli_import_by_label(cli, softhsm: SoftHsm, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """`ca import CERT --pkcs11 ... --key-label L` from the CLI, with a PIN sealed from a
    file that is then deleted; a key file and --pkcs11 together are refused."""
    import datetime as dt

    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    from certyard.ca.signing import Pkcs11Signer, generate_token_key, sign_certificate

    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    label = unique_label("cli")
    ref = ca.TokenRef.from_options(module=softhsm.module, token=softhsm.label,
                                   key_label=label, pin_file=str(softhsm.pin_file))
    pub = generate_token_key(ref, key_type="RSA", key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CLI Token CA")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = sign_certificate(
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(pub)
        .serial_number(11).not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=400))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True),
        Pkcs11Signer(ref, pub))
    cert_path = tmp_path / "ca.pem"
    cert_path.write_bytes(cert.public_bytes(Encoding.PEM))
    once = tmp_path / "pin-once"
    once.write_text(softhsm.pin + "\n")
    r = cli("ca", "import", str(cert_path), str(cert_path), "--pkcs11", softhsm.module,
            "--token", softhsm.label, "--key-label", label, "--pin-file", str(once))
    assert r.code == 2 and "not both" in r.stderr, r.stderr
    r = cli("ca", "import", str(cert_path), "--pkcs11", softhsm.module, "--token",
            softhsm.label, "--key-label", label, "--pin-file", str(once), "--seal-pin")
    assert r.code == 0, r.stderr
    once.unlink()  # the sealed PIN is enough from now on
    csr_path = tmp_path / "r.csr"
    csr_path.write_bytes(make_csr("cli.example.com")[1].public_bytes(Encoding.PEM))
    r = cli("ca", "submit", str(csr_path), "--profile", "server")
    assert r.code == 0, r.stderr
    r = cli("ca", "issue", r.stdout.strip())
    assert r.code == 0, r.stderr
    x509.load_pem_x509_certificate(r.stdout.encode()).verify_directly_issued_by(cert)
    shown = cli("ca", "show").stdout
    assert f"label '{label}'" in shown and "root+issuing" in shown


def test_missing_token_directory_says_the_token_is_not_found(env, softhsm: SoftHsm,  # type: ignore[no-untyped-def]  # noqa: F811
                                                              tmp_path: Path) -> None:
    """A module whose token store is gone (SoftHSM2's token directory removed) fails to
    initialise with CKR_GENERAL_ERROR: the error names the token as not found and where to
    look, in a process of its own (a process loads the module once)."""
    import os
    import sys

    conf = tmp_path / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tmp_path / 'gone'}\nobjectstore.backend = "
                    "file\nlog.level = ERROR\n")
    run_env = {**os.environ, **env, "SOFTHSM2_CONF": str(conf)}

    def certyard(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "certyard.cli.main", *args], env=run_env,
                              capture_output=True, text=True, timeout=120)

    assert certyard("init", "--name", "pub", "--fqdn", "pub.example.com").returncode == 0
    done = certyard("ca", "init", "--pkcs11", softhsm.module, "--token", softhsm.label,
                    "--pin-file", str(softhsm.pin_file))
    assert done.returncode == 8, done.stderr
    line = done.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line, line
    assert f"token '{softhsm.label}' is not found" in line and "no token or slot" in line
    assert "SOFTHSM2_CONF" in line and "cannot be loaded" not in line


def test_ca_show_table_has_the_key_id(cli, softhsm: SoftHsm) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    assert cli("init", "--name", "pub", "--fqdn", "pub.example.com").code == 0
    label = unique_label("kid")
    r = cli("ca", "init", "--no-intermediate", *_token_args(softhsm, label))
    assert r.code == 0, r.stderr
    (item,) = cli("ca", "show", "--json").json()["items"]
    key_id = item["location"]["key_id"]
    assert key_id and len(key_id) == 16
    text = cli("ca", "show").stdout
    assert "Key ID" in text and key_id in text, text
