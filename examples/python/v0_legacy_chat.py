# The legacy (v0) module API, with a proxy.
import openai_rs as openai

# 配置API凭证与环境
openai.api_key = "YOUR_API_KEY"
# 可通过代理访问：openai.proxy = "http://127.0.0.1:1080"  (or "socks5://127.0.0.1:1080")

response = openai.ChatCompletion.create(
    model="gpt-3.5-turbo",
    messages=[{"role": "user", "content": "Hello!"}]
)

print(response.choices[0].message['content'])
