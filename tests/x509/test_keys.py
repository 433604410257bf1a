"""x509/keys.py: key generation bounds, descriptions and loading of every format."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

from certyard.errors import InvalidFile, InvalidInput
from certyard.x509 import (
    generate_private_key,
    hash_algorithm,
    key_description,
    load_private_key,
    private_key_der,
    public_sha256,
)


@pytest.mark.parametrize("kind,size", [("EC", 256), ("EC", 384), ("EC", 521), ("RSA", 2048)])
def test_generate_gives_the_asked_type_and_size(kind: str, size: int) -> None:
    key = generate_private_key(kind, size)
    assert key_description(key.public_key()) == (kind, size)


@pytest.mark.parametrize("kind,size,field,text", [
    ("RSA", 512, "key_length", "RSA key length 512 is out of range"),
    ("RSA", 16384, "key_length", "RSA key length 16384 is out of range"),
    ("EC", 224, "key_length", "EC key length 224 is not one of 256, 384, 521"),
    ("DSA", 2048, "key_type", "unknown key type 'DSA'"),
])
def test_generate_refuses_what_it_cannot_make(kind: str, size: int, field: str,
                                             text: str) -> None:
    with pytest.raises(InvalidInput, match=text) as err:
        generate_private_key(kind, size)
    assert err.value.field == field


def test_hash_names_are_case_insensitive_and_bounded() -> None:
    assert hash_algorithm("sha384").name == "sha384"
    with pytest.raises(InvalidInput) as err:
        hash_algorithm("md5")
    assert err.value.field == "hash"


def test_descriptions_of_edwards_keys() -> None:
    assert key_description(ed25519.Ed25519PrivateKey.generate().public_key()) == ("Ed25519", 256)
    assert key_description(ed448.Ed448PrivateKey.generate().public_key()) == ("Ed448", 456)


def test_public_sha256_matches_openssl_over_the_spki(tmp_path: Path) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    pem = tmp_path / "k.pem"
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    spki = subprocess.run(["openssl", "pkey", "-in", str(pem), "-pubout", "-outform", "DER"],
                          capture_output=True, check=True).stdout
    digest = subprocess.run(["openssl", "dgst", "-sha256", "-r"], input=spki,
                            capture_output=True, check=True).stdout.split()[0].decode()
    assert public_sha256(key.public_key()) == digest


@pytest.mark.parametrize("fmt", ["pkcs8-pem", "pkcs8-der", "traditional-pem", "encrypted"])
def test_load_private_key_reads_every_format(fmt: str) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    password = None
    if fmt == "pkcs8-der":
        data = private_key_der(key)
    elif fmt == "traditional-pem":
        data = key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())
    else:
        password = b"s3cret" if fmt == "encrypted" else None
        enc = (serialization.BestAvailableEncryption(password) if password
               else serialization.NoEncryption())
        data = key.private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.PKCS8, enc)
    loaded = load_private_key(b"\n  " + data, password=password)
    assert public_sha256(loaded.public_key()) == public_sha256(key.public_key())


def test_load_private_key_errors_are_one_line() -> None:
    enc = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"))
    with pytest.raises(InvalidFile, match="encrypted: a password is needed"):
        load_private_key(enc)
    with pytest.raises(InvalidFile, match="not a readable private key") as err:
        load_private_key(enc, password=b"wrong")
    assert "\n" not in str(err.value)
    with pytest.raises(InvalidFile, match="not a readable private key"):
        load_private_key(b"\x30\x03\x02\x01\x00")
    dsa_key = dsa.generate_private_key(key_size=2048)
    with pytest.raises(InvalidFile, match="unsupported private key type"):
        load_private_key(private_key_der(dsa_key))  # type: ignore[arg-type]
