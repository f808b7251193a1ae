"""The lake's own errors: callers never see a DuckDB exception."""

from __future__ import annotations


class LakeError(RuntimeError):
    """A lake operation failed (a file DuckDB cannot read, a statement that fails)."""


class LakeInputError(LakeError):
    """A drop's file cannot be read as the contract says (encoding, quoting, width)."""
