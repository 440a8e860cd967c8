# Key from the environment (guide: "环境变量调用示例").
import os
from openai_rs import OpenAI

client = OpenAI(api_key=os.getenv('OPENAI_API_KEY'))

response = client.chat.completions.create(
    model="gpt-3.5-turbo",
    messages=[
        {"role": "system", "content": "你是一位精通机器学习的技术作家"},
        {"role": "user", "content": "用比喻解释神经网络的工作原理"}
    ]
)
print(response.choices[0].message.content)
