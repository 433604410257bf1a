"""A CA made and operated by the real `openssl` command: the external third-party CA of the
seed's flow."""

from __future__ import annotations

import subprocess
from pathlib import Path

__all__ = ["OpenSSLCA", "openssl"]


def openssl(*args: str, cwd: Path | None = None, input: bytes | None = None) -> bytes:
    proc = subprocess.run(["openssl", *args], cwd=cwd, input=input, capture_output=True)
    if proc.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)} failed: {proc.stderr.decode()}")
    return proc.stdout


class OpenSSLCA:
    """Root (and optional intermediate) CA in a directory, signing with `openssl x509 -req`."""

    def __init__(self, directory: Path, *, name: str = "Example Root CA",
                 intermediate: bool = False, key: str = "rsa:2048") -> None:
        self.dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.root_key = directory / "root.key"
        self.root = directory / "root.pem"
        ext = directory / "ca.ext"
        ext.write_text("[v3_ca]\nbasicConstraints=critical,CA:TRUE\n"
                       "keyUsage=critical,keyCertSign,cRLSign\n"
                       "subjectKeyIdentifier=hash\n")
        openssl("req", "-x509", "-newkey", key, "-nodes", "-keyout", str(self.root_key),
                "-out", str(self.root), "-days", "3650", "-subj", f"/O=Example/CN={name}",
                "-config", str(ext), "-extensions", "v3_ca")
        self.signer_key, self.signer = self.root_key, self.root
        self.intermediate: Path | None = None
        if intermediate:
            ikey, icsr, icert = directory / "int.key", directory / "int.csr", directory / "int.pem"
            openssl("req", "-newkey", key, "-nodes", "-keyout", str(ikey), "-out", str(icsr),
                    "-subj", f"/O=Example/CN={name} Issuing")
            openssl("x509", "-req", "-in", str(icsr), "-CA", str(self.root), "-CAkey",
                    str(self.root_key), "-CAcreateserial", "-out", str(icert), "-days", "1825",
                    "-extfile", str(ext), "-extensions", "v3_ca")
            self.signer_key, self.signer, self.intermediate = ikey, icert, icert

    def sign(self, csr_pem: bytes, *, days: int = 365, out_name: str = "leaf.pem",
             copy_extensions: bool = True, start_offset_days: int = 0,
             digest: str = "sha256") -> Path:
        csr = self.dir / (out_name + ".csr")
        csr.write_bytes(csr_pem)
        out = self.dir / out_name
        ext = self.dir / "leaf.ext"
        ext.write_text("basicConstraints=critical,CA:FALSE\n"
                       "authorityKeyIdentifier=keyid\nsubjectKeyIdentifier=hash\n")
        args = ["x509", "-req", "-in", str(csr), "-CA", str(self.signer), "-CAkey",
                str(self.signer_key), "-CAcreateserial", "-out", str(out), "-days", str(days),
                f"-{digest}", "-extfile", str(ext)]
        if copy_extensions:
            args += ["-copy_extensions", "copy"]
        openssl(*args)
        return out

    def pkcs7_chain(self, leaf: Path, *, der: bool = False) -> bytes:
        files = [leaf] + ([self.intermediate] if self.intermediate else []) + [self.root]
        args = ["crl2pkcs7", "-nocrl"]
        for f in files:
            args += ["-certfile", str(f)]
        if der:
            args += ["-outform", "DER"]
        return openssl(*args)
