"""Azure OpenAI: a deployment called by name, with an API key and then with a token provider
(as azure-identity's get_bearer_token_provider gives). Set AZURE_OPENAI_ENDPOINT,
AZURE_OPENAI_API_KEY and OPENAI_API_VERSION (make demo points them at the mock)."""

import os
import sys

from openai_rs import AzureOpenAI

endpoint = os.environ.get("AZURE_OPENAI_ENDPOINT")
if not endpoint:
    print("skipped: set AZURE_OPENAI_ENDPOINT (and AZURE_OPENAI_API_KEY, OPENAI_API_VERSION)")
    sys.exit(0)
deployment = os.environ.get("AZURE_OPENAI_DEPLOYMENT", "gpt-4o-mini")

client = AzureOpenAI(azure_endpoint=endpoint, api_version=os.environ.get("OPENAI_API_VERSION"))
completion = client.chat.completions.create(
    model=deployment, messages=[{"role": "user", "content": "Hello from Azure!"}]
)
print("key:", completion.choices[0].message.content)

calls = []


def token_provider() -> str:
    calls.append(1)
    return os.environ.get("AZURE_OPENAI_AD_TOKEN", "entra-token")


entra = AzureOpenAI(
    azure_endpoint=endpoint,
    azure_deployment=deployment,
    api_version=os.environ.get("OPENAI_API_VERSION"),
    azure_ad_token_provider=token_provider,
)
for question in ("One?", "Two?"):
    answer = entra.chat.completions.create(
        model=deployment, messages=[{"role": "user", "content": question}]
    )
    print("token:", answer.choices[0].message.content)
print("token provider called:", len(calls), "times")
