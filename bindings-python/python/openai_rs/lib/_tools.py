"""``openai.lib._tools``: ``pydantic_function_tool`` and its dict subclasses."""

from .._parsing import PydanticFunctionTool, ResponsesPydanticFunctionTool, pydantic_function_tool

__all__ = ["PydanticFunctionTool", "ResponsesPydanticFunctionTool", "pydantic_function_tool"]
