"""CA keys in a PKCS#11 token (python-pkcs11; SoftHSM2 in tests).

The key never leaves the token: it is generated there (sensitive, not extractable) or
found there by label or ID, and only ``C_Sign`` is used. The data is hashed here and the
token signs the digest (CKM_ECDSA; CKM_RSA_PKCS over a DigestInfo), which every token
supports and keeps big CRLs off the token's bus.

Sessions are pooled per signer. A token error drops the pool and re-initialises the module
(``C_Finalize``/``C_Initialize``, once per failure across the signers sharing it), so a
token that went away and came back is picked up by the next signature, without a restart;
meanwhile signing raises ``TokenUnavailable``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from certyard.ca.signing import der
from certyard.ca.signing.base import KeyLocation, hash_for, key_description
from certyard.errors import Conflict, InvalidFile, InvalidInput, NotFound, TokenUnavailable

__all__ = ["KEY_LABEL_MAX", "Pkcs11Signer", "TokenRef", "find_token_key",
           "generate_token_key"]

# A key label someone types (``--key-label``): 1..64 printable characters. Labels certyard
# derives from it (``-root``, ``-issuing``, ``-issuing-ocsp-<8 hex>``) may be longer, up
# to _DERIVED_LABEL_MAX. A token label is at most 32 bytes (CK_TOKEN_INFO.label).
KEY_LABEL_MAX = 64
_DERIVED_LABEL_MAX = 128
_TOKEN_LABEL_MAX = 32

_MODULES: dict[str, _Module] = {}
_MODULES_LOCK = threading.Lock()
_EC_CURVES = {256: "secp256r1", 384: "secp384r1"}


@dataclass(frozen=True, kw_only=True)
class TokenRef:
    """Which token and key, and where the PIN comes from (exactly one of ``pin``, sealed
    with the reference under the master key, ``pin_file`` or ``pin_env``)."""

    module: str
    token: str
    key_label: str | None = None
    key_id: str | None = None  # hex
    pin: str | None = None
    pin_file: str | None = None
    pin_env: str | None = None

    def __repr__(self) -> str:  # never print the PIN
        return (f"TokenRef(module={self.module!r}, token={self.token!r}, "
                f"key_label={self.key_label!r}, key_id={self.key_id!r})")

    def __post_init__(self) -> None:
        if not self.module or not self.token:
            raise InvalidInput("a PKCS#11 module and a token label are required",
                               field="pkcs11")
        _check_text(self.token, "token label", "token", len(self.token.encode()),
                    _TOKEN_LABEL_MAX, "bytes")
        if self.key_label is not None:
            _check_text(self.key_label, "key label", "key_label", len(self.key_label),
                        _DERIVED_LABEL_MAX, "characters")
        if not self.key_label and not self.key_id:
            raise InvalidInput("a token key needs a label or an ID", field="key_label")
        if self.key_id is not None:
            try:
                bytes.fromhex(self.key_id)
            except ValueError:
                raise InvalidInput(f"key ID {self.key_id!r} is not hexadecimal",
                                   field="key_id") from None
        if sum(x is not None for x in (self.pin, self.pin_file, self.pin_env)) != 1:
            raise InvalidInput("give the token PIN one way: --pin-file or --pin-env "
                               "(or a PIN to seal)", field="pin")

    @classmethod
    def from_options(cls, *, module: str, token: str | None, key_label: str | None = None,
                     key_id: str | None = None, pin_file: str | None = None,
                     pin_env: str | None = None, seal_pin: bool = False) -> TokenRef:
        """From CLI/API options. ``seal_pin``: read the PIN once now (from the file or
        variable) and keep it sealed with the reference instead of re-reading it."""
        if not token:
            raise InvalidInput("--token LABEL is required with --pkcs11", field="token")
        if key_label is not None:
            if not key_label:
                raise InvalidInput("--key-label must not be empty (leave it out for the "
                                   "default)", field="key_label")
            _check_text(key_label, "--key-label", "key_label", len(key_label),
                        KEY_LABEL_MAX, "characters")
        if key_id is not None and not key_id.strip():
            raise InvalidInput("--key-id must not be empty", field="key_id")
        if (pin_file is None) == (pin_env is None):
            raise InvalidInput("give the token PIN with exactly one of --pin-file or "
                               "--pin-env", field="pin")
        if pin_file is not None and not os.path.isabs(pin_file):
            pin_file = os.path.abspath(pin_file)
        ref = cls(module=module, token=token, key_label=key_label,
                  key_id=key_id.lower().replace(":", "") if key_id else None,
                  pin_file=pin_file, pin_env=pin_env)
        # The PIN is needed at once (to generate or check the key): a file that cannot be
        # read is an unusable file (exit 3), a variable that is not set a wrong option
        # (exit 2), said now rather than as a token failure.
        try:
            pin = ref.read_pin()
        except TokenUnavailable as exc:
            if pin_file is not None:
                raise InvalidFile(exc.message, field="pin_file") from None
            raise InvalidInput(exc.message, field="pin_env") from None
        if seal_pin:
            ref = cls(module=module, token=token, key_label=ref.key_label,
                      key_id=ref.key_id, pin=pin)
        return ref

    @property
    def location(self) -> KeyLocation:
        return KeyLocation(kind="pkcs11", module=self.module, token=self.token,
                           key_label=self.key_label, key_id=self.key_id)

    def read_pin(self) -> str:
        if self.pin is not None:
            return self.pin
        if self.pin_env is not None:
            value = os.environ.get(self.pin_env)
            if not value:
                raise TokenUnavailable(f"the token PIN variable {self.pin_env} is not set")
            return value
        assert self.pin_file is not None
        try:
            pin = Path(self.pin_file).read_text().strip()
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not text"
            raise TokenUnavailable(f"the token PIN file {self.pin_file} cannot be read: "
                                   f"{why}") from None
        if not pin:
            raise TokenUnavailable(f"the token PIN file {self.pin_file} is empty")
        return pin

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> TokenRef:
        return cls(**{k: value[k] for k in cls.__dataclass_fields__ if k in value})


def _check_text(value: str, what: str, field: str, size: int, limit: int,
                unit: str) -> None:
    """Labels reach the token, logs and tables: printable text, no control characters
    (newline, NUL...), no surrounding blanks, bounded."""
    if size > limit:
        raise InvalidInput(f"the {what} is {size} {unit} long; at most {limit}", field=field)
    if not value.isprintable() or value != value.strip():
        raise InvalidInput(f"the {what} {value!r} may hold printable characters only, "
                           "without control characters or surrounding blanks", field=field)


class _NoSlots(TokenUnavailable):
    """The module loads but cannot see any slot (its configuration or device is gone)."""


class _Module:
    """One loaded PKCS#11 library; ``generation`` counts re-initialisations so sessions
    opened before one are known to be dead."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lock = threading.Lock()
        self.generation = 0
        self._lib: Any = None
        # token label -> SHA-256 of the PIN this process logged in with: a later session
        # joins that login without C_Login, so its PIN is compared here instead.
        self.logins: dict[str, bytes] = {}

    def lib(self) -> Any:
        if self._lib is None:
            import pkcs11

            with self.lock:
                if self._lib is None:
                    try:
                        self._lib = pkcs11.lib(self.path)
                    except pkcs11.PKCS11Error as exc:  # loaded, but C_Initialize failed
                        raise self._no_slots(exc) from None
                    except Exception as exc:
                        raise TokenUnavailable(f"the PKCS#11 module {self.path} cannot be "
                                               f"loaded: {_reason(exc)}") from None
        if not self._lib.initialized:  # a re-initialisation failed while the token was gone
            with self.lock:
                if not self._lib.initialized:
                    try:
                        self._lib.initialize()
                    except Exception as exc:
                        raise self._no_slots(exc) from None
        return self._lib

    def _no_slots(self, exc: BaseException) -> _NoSlots:
        # SoftHSM2 and others fail C_Initialize (CKR_GENERAL_ERROR) when their token
        # directory or reader is missing: for the administrator, the token is not there.
        return _NoSlots(f"the PKCS#11 module {self.path} finds no token or slot (its "
                        f"initialisation failed: {_reason(exc)}); check that the token is "
                        "present and the module's configuration (SoftHSM2: SOFTHSM2_CONF "
                        "and its token directory)")

    def reset(self, seen: int) -> None:
        """Re-initialise after an error, unless another thread already did since."""
        with self.lock:
            if self.generation != seen:
                return
            self.generation += 1
            self.logins.clear()
            if self._lib is not None:
                try:
                    self._lib.reinitialize()
                except Exception:  # still gone: the next attempt tries again
                    with contextlib.suppress(Exception):
                        self._lib.initialize()


def _module(path: str) -> _Module:
    if not os.path.isabs(path) or not os.path.isfile(path):
        raise InvalidInput(f"the PKCS#11 module {path!r} is not a file (give its full path)",
                           field="pkcs11")
    with _MODULES_LOCK:
        mod = _MODULES.get(path)
        if mod is None:
            mod = _MODULES[path] = _Module(path)
        return mod


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}{': ' + text if text else ''}"


def _open_session(ref: TokenRef, mod: _Module, *, rw: bool = False) -> Any:
    import pkcs11

    try:
        token = mod.lib().get_token(token_label=ref.token)
    except _NoSlots as exc:
        raise TokenUnavailable(f"the PKCS#11 token {ref.token!r} is not found: "
                               f"{exc.message}") from None
    except TokenUnavailable as exc:
        raise TokenUnavailable(f"the PKCS#11 token {ref.token!r} cannot be reached: "
                               f"{exc.message}") from None
    except pkcs11.NoSuchToken:
        raise TokenUnavailable(f"the PKCS#11 token {ref.token!r} is not present (not found "
                               f"in any slot of {mod.path})") from None
    except pkcs11.PKCS11Error as exc:
        raise TokenUnavailable(f"the PKCS#11 token {ref.token!r} cannot be reached: "
                               f"{_reason(exc)}") from None
    pin = ref.read_pin()
    digest = hashlib.sha256(pin.encode()).digest()
    try:
        session = token.open(user_pin=pin, rw=rw)
        mod.logins[ref.token] = digest
        return session
    except pkcs11.UserAlreadyLoggedIn:
        # Login is per application and token: another session (another CA on the same
        # token) already did it, and this session shares it, provided the PIN is the same.
        known = mod.logins.get(ref.token)
        if known is not None and not hmac.compare_digest(known, digest):
            raise TokenUnavailable(f"the PIN for token {ref.token!r} is wrong") from None
        try:
            return token.open(rw=rw)
        except pkcs11.PKCS11Error as exc:
            raise TokenUnavailable(f"cannot open a session on token {ref.token!r}: "
                                   f"{_reason(exc)}") from None
    except pkcs11.PinIncorrect:
        raise TokenUnavailable(f"the PIN for token {ref.token!r} is wrong") from None
    except pkcs11.PKCS11Error as exc:
        raise TokenUnavailable(f"cannot log in to token {ref.token!r}: {_reason(exc)}") \
            from None


def _find_private(session: Any, ref: TokenRef) -> Any:
    import pkcs11
    from pkcs11 import ObjectClass

    query: dict[str, Any] = {"object_class": ObjectClass.PRIVATE_KEY}
    if ref.key_label:
        query["label"] = ref.key_label
    if ref.key_id:
        query["id"] = bytes.fromhex(ref.key_id)
    try:
        return session.get_key(**query)
    except pkcs11.NoSuchKey:
        raise NotFound("private key in token", ref.key_label or ref.key_id or "?") from None
    except pkcs11.MultipleObjectsReturned:
        raise InvalidInput(f"several private keys in token {ref.token!r} match; give "
                           "--key-id", field="key_id") from None


class Pkcs11Signer:
    """A CA key in a token. ``public_key`` comes from the CA certificate (or the token at
    generation), so nothing but signatures is ever asked of the token."""

    def __init__(self, ref: TokenRef, public_key: Any) -> None:
        self.ref = ref
        self._public = public_key
        self.algorithm = key_description(public_key)
        self.hash_algorithm = hash_for(public_key)
        self._module = _module(ref.module)
        self._pool: list[tuple[int, Any, Any]] = []  # (generation, session, key)
        self._lock = threading.Lock()
        self.failed = False  # the last attempt failed
        # Called with the error when signing starts failing, with None when it recovers.
        self.observer: Callable[[Exception | None], None] | None = None

    def __repr__(self) -> str:
        return f"Pkcs11Signer({self.algorithm}, {self.ref!r})"

    @property
    def private_key(self) -> None:
        return None

    @property
    def location(self) -> KeyLocation:
        return self.ref.location

    def public_key(self) -> Any:
        return self._public

    def _checkout(self) -> tuple[int, Any, Any]:
        gen = self._module.generation
        with self._lock:
            while self._pool:
                item = self._pool.pop()
                if item[0] == gen:
                    return item
                _close(item[1])
        session = _open_session(self.ref, self._module)
        try:
            key = _find_private(session, self.ref)
        except NotFound:
            _close(session)
            raise TokenUnavailable(f"the CA key ({self.ref.key_label or self.ref.key_id}) "
                                   f"is not in token {self.ref.token!r}") from None
        return gen, session, key

    def _sign_digest(self, digest: bytes) -> bytes:
        from pkcs11 import Mechanism

        gen, session, key = self._checkout()
        if isinstance(self._public, ec.EllipticCurvePublicKey):
            raw = key.sign(digest, mechanism=Mechanism.ECDSA)
            half = len(raw) // 2
            signature = encode_dss_signature(int.from_bytes(raw[:half], "big"),
                                             int.from_bytes(raw[half:], "big"))
        else:
            signature = key.sign(der.digest_info(self.hash_algorithm.name, digest),
                                 mechanism=Mechanism.RSA_PKCS)
        with self._lock:
            self._pool.append((gen, session, key))
        return bytes(signature)

    def sign(self, data: bytes) -> bytes:
        import pkcs11

        h = hashes.Hash(self.hash_algorithm)
        h.update(data)
        digest = h.finalize()
        for attempt in (1, 2):
            seen = self._module.generation
            try:
                signature = self._sign_digest(digest)
            except pkcs11.PKCS11Error as exc:
                self._drop()
                self._module.reset(seen)
                if attempt == 2:
                    self._report(TokenUnavailable(
                        f"the PKCS#11 token {self.ref.token!r} failed to sign: "
                        f"{_reason(exc)}"))
            except TokenUnavailable as exc:
                self._drop()
                self._module.reset(seen)
                self._report(exc)
            else:
                if self.failed:
                    self.failed = False
                    if self.observer is not None:
                        self.observer(None)
                return signature
        raise AssertionError("unreachable")

    def _report(self, error: TokenUnavailable) -> None:
        if not self.failed:
            self.failed = True
            if self.observer is not None:
                self.observer(error)
        raise error

    def _drop(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, []
        for _, session, _ in pool:
            _close(session)


def _close(session: Any) -> None:
    with contextlib.suppress(Exception):  # a dead session: nothing to release
        session.close()


def generate_token_key(ref: TokenRef, *, key_type: str, key_size: int) -> Any:
    """Generate a sensitive, non-extractable, sign-only key pair in the token under
    ``ref``'s label and ID; returns the public key. Refuses a label or ID already used."""
    import pkcs11
    from pkcs11 import Attribute, KeyType, MechanismFlag, ObjectClass
    from pkcs11.util.ec import encode_ec_public_key, encode_named_curve_parameters

    mod = _module(ref.module)
    session = _open_session(ref, mod, rw=True)
    try:
        query: dict[Any, Any] = {Attribute.CLASS: ObjectClass.PRIVATE_KEY}
        if ref.key_label:
            query[Attribute.LABEL] = ref.key_label
        if any(True for _ in session.get_objects(query)):
            raise Conflict(f"token {ref.token!r} already holds a key labelled "
                           f"{ref.key_label!r}")
        key_id = bytes.fromhex(ref.key_id) if ref.key_id else None
        # A CA key signs and does nothing else: no decrypt/unwrap (RSA), no derive (EC),
        # no sign-recover; the public half verifies only.
        private = {Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                   Attribute.SIGN: True, Attribute.DECRYPT: False, Attribute.UNWRAP: False,
                   Attribute.DERIVE: False, Attribute.SIGN_RECOVER: False,
                   Attribute.PRIVATE: True, Attribute.TOKEN: True}
        public = {Attribute.VERIFY: True, Attribute.ENCRYPT: False, Attribute.WRAP: False,
                  Attribute.VERIFY_RECOVER: False, Attribute.DERIVE: False,
                  Attribute.TOKEN: True}
        sign_only = MechanismFlag.SIGN | MechanismFlag.VERIFY
        try:
            if key_type == "RSA":
                pub, _ = session.generate_keypair(
                    KeyType.RSA, key_size, id=key_id, label=ref.key_label, store=True,
                    capabilities=sign_only, public_template=public, private_template=private)
                return rsa.RSAPublicNumbers(
                    int.from_bytes(pub[Attribute.PUBLIC_EXPONENT], "big"),
                    int.from_bytes(pub[Attribute.MODULUS], "big")).public_key()
            params = session.create_domain_parameters(KeyType.EC, {
                Attribute.EC_PARAMS: encode_named_curve_parameters(_EC_CURVES[key_size])},
                local=True)
            pub, _ = params.generate_keypair(
                id=key_id, label=ref.key_label, store=True, capabilities=sign_only,
                public_template=public, private_template=private)
            return load_der_public_key(encode_ec_public_key(pub))
        except pkcs11.PKCS11Error as exc:
            raise TokenUnavailable(f"token {ref.token!r} could not generate the key: "
                                   f"{_reason(exc)}") from None
    finally:
        _close(session)


def find_token_key(ref: TokenRef) -> dict[str, Any]:
    """The key's attributes that matter (for ``ca import`` and restore checks); raises
    NotFound when the token does not hold it."""
    from pkcs11 import Attribute

    mod = _module(ref.module)
    session = _open_session(ref, mod)
    try:
        key = _find_private(session, ref)
        return {"label": key[Attribute.LABEL], "id": bytes(key[Attribute.ID]).hex(),
                "sensitive": bool(key[Attribute.SENSITIVE]),
                "extractable": bool(key[Attribute.EXTRACTABLE])}
    finally:
        _close(session)
