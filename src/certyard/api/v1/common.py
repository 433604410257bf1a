"""Shared pieces of the v1 routes: ids within the database's integer range, uploads given
as PEM text or base64 DER, and the error responses documented in OpenAPI."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, Field

from certyard.errors import InvalidFile

Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
Name = Annotated[str, Path(min_length=1, max_length=253)]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorBody} for s in (400, 401, 403, 404, 409, 413, 415, 422, 503)}


class Upload(BaseModel):
    data: str = Field(..., min_length=1, max_length=1_500_000,
                      description="PEM text, or base64 of DER/PKCS#7")
    description: str = Field("", max_length=300)


CSR_WHAT = "a DER certificate request"  # what a ``csr`` field holds, for its error


def upload_bytes(text: str, limit: int, field: str = "data",
                 what: str = "a DER or PKCS#7 file") -> bytes:
    """The bytes of an upload field (``field`` names it in an error: ``data``, ``csr``)."""
    if "-----BEGIN" in text:
        data = text.encode()
    else:
        try:
            data = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidFile(f"{field} must be PEM text or base64 of {what}",
                              field=field) from None
    if len(data) > limit:
        raise InvalidFile(f"the file is larger than the limit of {limit:,} bytes",
                          field=field)
    return data
