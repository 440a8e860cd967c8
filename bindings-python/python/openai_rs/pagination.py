"""The official ``openai.pagination`` names, for code that annotates with them.

One page type serves every list here: it follows ``after``/``has_more`` and the
``first_id``/``last_id`` forms alike, so the cursor and plain pages are the same class.

>>> from openai_rs.pagination import SyncCursorPage
>>> page: SyncCursorPage[FileObject] = client.files.list()
"""

from ._resources import AsyncPage, AsyncPaginator, SyncPage

SyncCursorPage = SyncPage
AsyncCursorPage = AsyncPage
SyncConversationCursorPage = SyncPage
AsyncConversationCursorPage = AsyncPage

__all__ = [
    "AsyncConversationCursorPage",
    "AsyncCursorPage",
    "AsyncPage",
    "AsyncPaginator",
    "SyncConversationCursorPage",
    "SyncCursorPage",
    "SyncPage",
]
