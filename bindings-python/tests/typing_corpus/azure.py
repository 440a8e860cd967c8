"""Azure OpenAI: API key and Microsoft Entra token provider."""

from __future__ import annotations

import asyncio
import os

from openai_rs import AsyncAzureOpenAI, AzureOpenAI


def with_key() -> str | None:
    client = AzureOpenAI(
        api_version="2024-10-21",
        azure_endpoint=os.environ.get(
            "AZURE_OPENAI_ENDPOINT", "https://example-resource.openai.azure.com"
        ),
        api_key=os.environ.get("AZURE_OPENAI_API_KEY"),
    )
    completion = client.chat.completions.create(
        model="deployment-name",
        messages=[{"role": "user", "content": "How do I output all files in a directory?"}],
    )
    return completion.choices[0].message.content


def get_token() -> str:
    return os.environ["AZURE_TOKEN"]


def with_provider() -> None:
    client = AzureOpenAI(
        api_version="2024-10-21",
        azure_endpoint=os.environ.get(
            "AZURE_OPENAI_ENDPOINT", "https://example-resource.openai.azure.com"
        ),
        azure_deployment="my-deployment",
        azure_ad_token_provider=get_token,
    )
    print(client.models.list())


async def asynchronous() -> None:
    client = AsyncAzureOpenAI(
        api_version="2024-10-21",
        azure_endpoint=os.environ.get(
            "AZURE_OPENAI_ENDPOINT", "https://example-resource.openai.azure.com"
        ),
        azure_ad_token_provider=get_token,
    )
    completion = await client.chat.completions.create(
        model="deployment-name", messages=[{"role": "user", "content": "Hi"}]
    )
    print(completion.choices[0].message.content)


def main() -> None:
    print(with_key())
    with_provider()
    asyncio.run(asynchronous())


if __name__ == "__main__":
    main()
