"""``openai.lib.streaming``: see ``chat``."""
