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
    s: {"model": ErrorBody} for s in (400, 401, 403, 404, 409, 422, 503)}


class Upload(BaseModel):
    data: str = Field(..., min_length=1, max_length=1_500_000,
                      description="PEM text, or base64 of DER/PKCS#7")
    description: str = Field("", max_length=300)


def upload_bytes(text: str, limit: int) -> bytes:
    if "-----BEGIN" in text:
        data = text.encode()
    else:
        try:
            data = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidFile("data must be PEM text or base64 of a DER or PKCS#7 file",
                              field="data") from None
    if len(data) > limit:
        raise InvalidFile(f"the file is larger than the limit of {limit:,} bytes",
                          field="data")
    return data
