"""Deterministic synthetic drops with injected fraud rings and a ground-truth file."""

from fraudrings.synth.generator import generate

__all__ = ["generate"]
