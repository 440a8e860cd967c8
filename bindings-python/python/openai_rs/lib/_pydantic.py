"""``from openai.lib._pydantic import to_strict_json_schema`` works with ``openai_rs.lib``."""

from .._parsing import to_strict_json_schema

__all__ = ["to_strict_json_schema"]
