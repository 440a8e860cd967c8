"""A quick proof that an installed openai_rs works: run by `make dist-test` under every Python it
tries, against the mock server (scripts/with-mock.sh sets OPENAI_BASE_URL and OPENAI_API_KEY).

Usage: python smoke.py EXPECTED_VERSION
"""

import sys
import sysconfig
from pathlib import Path

import openai_rs
from openai_rs import OpenAI, count_tokens

expected = sys.argv[1]
where = Path(openai_rs.__file__).resolve()
site = Path(sysconfig.get_paths()["purelib"]).resolve()
assert site in where.parents, f"openai_rs comes from {where}, not from {site}"
assert openai_rs.__version__ == expected, (openai_rs.__version__, expected)
native = Path(openai_rs._native.__file__).name
assert native.endswith(".abi3.so"), native

client = OpenAI()
resp = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello!"}]
)
assert resp.choices[0].message.content == "You said: Hello!", resp.choices[0].message.content
chunks = client.chat.completions.create(
    model="gpt-4o-mini", messages=[{"role": "user", "content": "Count."}], stream=True
)
text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
assert text == "You said: Count.", text
assert count_tokens("hello world", model="gpt-4o") == 2
client.close()
pyver = sys.version.split()[0]
print(f"ok   Python {pyver}: openai_rs {openai_rs.__version__} from {where.parent} ({native})")
