"""Hypothesis strategies that turn one valid sample into hostile variants: random bytes,
byte flips, truncations, insertions. Structure-aware enough to get past the first length
check of a DER or PEM parser, so the deeper code is exercised too."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from certyard.errors import CertyardError

__all__ = ["mutations", "only_typed_errors"]


def _flip(seed: bytes, edits: list[tuple[int, int]]) -> bytes:
    out = bytearray(seed)
    for pos, value in edits:
        out[pos % len(out)] = value
    return bytes(out)


def _insert(seed: bytes, at: int, extra: bytes) -> bytes:
    return seed[:at] + extra + seed[at:]


def mutations(seed: bytes) -> st.SearchStrategy[bytes]:
    n = len(seed)
    edits = st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, 255)), min_size=1,
                     max_size=8)
    return st.one_of(
        st.binary(max_size=min(n + 64, 4096)),
        edits.map(lambda e: _flip(seed, e)),
        st.integers(0, n).map(lambda k: seed[:k]),
        st.tuples(st.integers(0, n), st.binary(min_size=1, max_size=32)).map(
            lambda t: _insert(seed, *t)),
        st.tuples(st.integers(0, n), edits).map(lambda t: _flip(seed, t[1])[:t[0]] or b"\0"),
    )


def only_typed_errors(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``; a refusal must be a one-line ``CertyardError``. Anything else fails the
    test with its own traceback (that is the finding)."""
    try:
        return fn(*args, **kwargs)
    except CertyardError as exc:
        assert exc.message and "\n" not in exc.message, repr(exc.message)
        return None
