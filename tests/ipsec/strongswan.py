"""strongSwan's own tooling for checking an exported configuration: the real ``swanctl``
binary (parses swanctl.conf and sends it over VICI to a recorder standing in for charon,
which Debian's strongswan-swanctl does not ship) and libstrongswan's proposal parser."""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

from tests.ipsec.vici import ViciRecorder

LIBSTRONGSWAN = Path("/usr/lib/ipsec/libstrongswan.so.0")
PROTO_IKE, PROTO_ESP = 1, 3


def have_swanctl() -> bool:
    return shutil.which("swanctl") is not None and LIBSTRONGSWAN.exists()


def swanctl_load_all(conf_dir: Path, sock: Path) -> tuple[subprocess.CompletedProcess[str],
                                                           ViciRecorder]:
    rec = ViciRecorder(str(sock))
    try:
        proc = subprocess.run(
            ["swanctl", "--load-all", "--noprompt", "--file", str(conf_dir / "swanctl.conf"),
             "--uri", f"unix://{sock}"], capture_output=True, text=True, timeout=30)
    finally:
        rec.close()
    return proc, rec


_lib: ctypes.CDLL | None = None


def proposal_ok(proto: int, text: str) -> bool:
    """libstrongswan's proposal_create_from_string: what charon uses to read proposals."""
    global _lib
    if _lib is None:
        lib = ctypes.CDLL(str(LIBSTRONGSWAN))
        lib.library_init.restype = ctypes.c_bool
        lib.library_init.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        assert lib.library_init(None, b"certyard-test")
        lib.proposal_create_from_string.restype = ctypes.c_void_p
        lib.proposal_create_from_string.argtypes = [ctypes.c_int, ctypes.c_char_p]
        _lib = lib
    return bool(_lib.proposal_create_from_string(proto, text.encode()))
