"""Scale-out on Ray Data: ``Dataset.map_batches`` with one client per worker actor.

Each actor gets a copy of the client (clients pickle: the settings travel, the connections are
made on the worker) and runs its batches through ``client.bulk``, with the rate limits split
evenly across the actors, so the whole pool stays under the account's limits. Rows come back
with their answer or their error; one failed row never fails the batch::

    import ray
    from openai_rs import OpenAI
    from openai_rs.ray import BulkMapper

    ds = ray.data.read_json("prompts.jsonl")  # columns: custom_id, body (a dict or JSON text)
    out = ds.map_batches(
        BulkMapper,
        fn_constructor_kwargs={"client": OpenAI(), "actors": 4, "rpm": 5000, "tpm": 2_000_000},
        concurrency=4,  # the actor pool: keep it equal to ``actors``
        batch_size=500,
    )
    out.write_json("answers/")

Output columns: ``custom_id``, ``ok``, ``status_code``, ``response`` (the answer's JSON text,
``None`` on failure) and ``error`` (the error's message, ``None`` on success). Nothing here
imports Ray: the class only needs what Ray hands it (a dict of columns or a pandas frame).
"""

from __future__ import annotations

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["BulkMapper"]


def _plain(v: Any) -> Any:
    """A value as Ray hands it (numpy arrays for lists, numpy scalars) back to plain JSON."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if x is not None}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    tolist = getattr(v, "tolist", None)
    if tolist is not None:  # numpy arrays and scalars
        return _plain(tolist())
    return v


def _rows(batch: Any) -> list[dict[str, Any]]:
    if hasattr(batch, "to_dict"):  # pandas
        return batch.to_dict("records")  # type: ignore[no-any-return]
    columns = list(batch)
    n = len(batch[columns[0]]) if columns else 0
    return [{c: batch[c][i] for c in columns} for i in range(n)]


class BulkMapper:
    """A Ray Data ``map_batches`` callable class: one client per actor, ``client.bulk`` per
    batch, ``rpm`` / ``tpm`` / ``max_cost`` divided by ``actors``.

    ``url`` is the endpoint of every row (``/v1/chat/completions``, ``/v1/responses`` or
    ``/v1/embeddings``) unless a row has a ``url`` column; ``body`` is a dict or its JSON text.
    Other keyword arguments go to ``client.bulk`` (``concurrency``, ``max_retries``,
    ``extra_headers``, ``timeout``).

    >>> ds.map_batches(BulkMapper, fn_constructor_kwargs={"client": client, "actors": 2,
    ...                "rpm": 1000}, concurrency=2)
    """

    def __init__(
        self,
        client: Any,
        *,
        actors: int,
        rpm: int | None = None,
        tpm: int | None = None,
        max_cost: float | None = None,
        url: str = "/v1/chat/completions",
        id_column: str = "custom_id",
        body_column: str = "body",
        **bulk_options: Any,
    ) -> None:
        if actors < 1:
            raise ValueError("actors must be at least 1 (the size of the actor pool)")
        for name, limit in (("rpm", rpm), ("tpm", tpm)):
            if limit is not None and limit < actors:
                raise ValueError(f"{name}={limit} cannot be split across {actors} actors")
        self.client = client
        self.rpm = None if rpm is None else rpm // actors
        self.tpm = None if tpm is None else tpm // actors
        self.max_cost = None if max_cost is None else max_cost / actors
        self.url = url
        self.id_column = id_column
        self.body_column = body_column
        self.options = bulk_options

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        requests = []
        for row in _rows(batch):
            body = row[self.body_column]
            body = json.loads(body) if isinstance(body, (str, bytes)) else _plain(body)
            requests.append(
                {
                    "custom_id": str(row[self.id_column]),
                    "method": "POST",
                    "url": str(row.get("url") or self.url),
                    "body": body,
                }
            )
        results = self.client.bulk(
            requests,
            rpm=self.rpm,
            tpm=self.tpm,
            max_cost=self.max_cost,
            order="input",
            progress=False,
            **self.options,
        )
        return {
            "custom_id": [r.custom_id for r in results],
            "ok": [r.ok for r in results],
            "status_code": [r.status_code for r in results],
            "response": [None if r.response is None else r.response.to_json() for r in results],
            "error": [None if r.error is None else str(r.error) for r in results],
        }
