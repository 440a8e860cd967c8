"""The Ray Data recipe (issue 15): 2,000 rows through ``map_batches(BulkMapper)`` on a local Ray
with two worker actors, against the mock. Every row is answered exactly once (the journal), the
answers belong to their rows, bad rows come back as per-row errors, and the limits are split."""

from __future__ import annotations

import json

import pytest

import openai_rs
from openai_rs.ray import BulkMapper

ray = pytest.importorskip("ray")
# Ray warns about its own deprecated settings; those are not ours to fix.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROWS = 2000
BAD = {7, 1234}  # rows without a model: the mock answers 400


@pytest.fixture(scope="module")
def local_ray():
    # Workers start from this interpreter (this venv), so they import this openai_rs.
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def body(i: int) -> dict:
    b = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"row {i}"}]}
    if i in BAD:
        del b["model"]
    return b


def test_every_row_answered_once_by_two_actors(local_ray, base_url, mock, test_id):
    client = openai_rs.OpenAI(api_key="sk-test-key", base_url=base_url, max_retries=0)
    items = [{"custom_id": f"row-{i}", "body": json.dumps(body(i))} for i in range(ROWS)]
    ds = ray.data.from_items(items)
    out = ds.map_batches(
        BulkMapper,
        fn_constructor_kwargs={
            "client": client,
            "actors": 2,
            "rpm": 1_000_000,
            "concurrency": 32,
            "extra_headers": {"x-test-id": test_id},
        },
        concurrency=2,
        batch_size=250,
    ).take_all()

    assert len(out) == ROWS
    by_id = {r["custom_id"]: r for r in out}
    assert len(by_id) == ROWS
    for i in range(ROWS):
        r = by_id[f"row-{i}"]
        if i in BAD:
            assert not r["ok"] and r["status_code"] == 400 and r["response"] is None
            assert "model" in r["error"]
        else:
            assert r["ok"] and r["error"] is None
            reply = json.loads(r["response"])
            assert reply["choices"][0]["message"]["content"] == f"You said: row {i}"

    seen = mock.journal(test_id)
    assert len(seen) == ROWS  # max_retries=0 and no faults: one request per row, no more
    texts = sorted(json.loads(e["body"])["messages"][0]["content"] for e in seen)
    assert texts == sorted(f"row {i}" for i in range(ROWS))


def test_limits_are_split_across_actors():
    m = BulkMapper(object(), actors=4, rpm=1000, tpm=400_000, max_cost=2.0)
    assert (m.rpm, m.tpm, m.max_cost) == (250, 100_000, 0.5)
    with pytest.raises(ValueError, match="split"):
        BulkMapper(object(), actors=4, rpm=3)
    with pytest.raises(ValueError, match="actors"):
        BulkMapper(object(), actors=0)


def test_numpy_and_pandas_batches_become_plain_requests():
    np = pytest.importorskip("numpy")

    class Recorder:
        def bulk(self, requests, **kw):
            self.requests, self.kw = requests, kw
            return []

    rec = Recorder()
    m = BulkMapper(rec, actors=1, url="/v1/embeddings")
    batch = {
        "custom_id": np.array([1, 2]),
        "body": np.array(
            [{"model": "e", "input": np.array(["a", "b"])}, {"model": "e", "input": "c"}],
            dtype=object,
        ),
    }
    m(batch)
    assert rec.requests == [
        {"custom_id": "1", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "e", "input": ["a", "b"]}},
        {"custom_id": "2", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": "e", "input": "c"}},
    ]  # fmt: skip
    assert rec.kw["order"] == "input" and rec.kw["progress"] is False
    pd = pytest.importorskip("pandas")
    m(pd.DataFrame({"custom_id": ["x"], "body": ['{"model": "e", "input": "z"}']}))
    assert rec.requests[0]["body"] == {"model": "e", "input": "z"}
