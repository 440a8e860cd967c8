"""The official SDK's ``openai.lib`` paths that real code imports from (``_pydantic``,
``_tools``, ``streaming.chat``), over this package's own implementation."""
