# Image generation.
from openai_rs import OpenAI

client = OpenAI()

response = client.images.generate(
    model="dall-e-3",
    prompt="A futuristic cityscape at sunset",
    n=1,
    size="1024x1024"
)

image_url = response.data[0].url
print(image_url)
