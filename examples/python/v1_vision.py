# Image input as content parts; the guides pass image_url both as an object and as a plain string.
from openai_rs import OpenAI

client = OpenAI()
IMAGE = "https://example.com/city.png"

response = client.chat.completions.create(
    model="gpt-4-vision-preview",
    messages=[{
        "role": "user",
        "content": [
            {"type": "text", "text": "描述图片内容"},
            {"type": "image_url", "image_url": {"url": IMAGE}}
        ]
    }]
)
print(response.choices[0].message.content)

response = client.chat.completions.create(
    model="gpt-4-vision-preview",
    messages=[
        {"role": "user", "content": [
            {"type": "text", "text": "Describe this image."},
            {"type": "image_url", "image_url": IMAGE}
        ]}
    ]
)
print(response.choices[0].message.content)
