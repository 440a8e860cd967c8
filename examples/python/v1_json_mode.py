# JSON mode; check finish_reason before trusting the JSON (a "length" finish means it was cut).
from openai_rs import OpenAI

client = OpenAI()

response = client.chat.completions.create(
    model="gpt-3.5-turbo",
    response_format={"type": "json_object"},
    messages=[
        {"role": "system", "content": "始终返回JSON格式数据"},
        {"role": "user", "content": "生成3个机器学习术语及解释"}
    ]
)
choice = response.choices[0]
if choice.finish_reason == "length":
    print("truncated JSON, not usable")
else:
    print(choice.message.content)
