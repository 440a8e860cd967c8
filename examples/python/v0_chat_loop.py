# The interactive chat loop from the guide (legacy API): the whole history is sent every turn.
import openai_rs as openai


def chat_interaction():
    dialog_history = []
    while True:
        user_input = input(">>> 请输入问题：")
        dialog_history.append({"role": "user", "content": user_input})

        response = openai.ChatCompletion.create(
            model="gpt-3.5-turbo",
            messages=dialog_history,
            max_tokens=500
        )

        ai_reply = response.choices[0].message['content']
        dialog_history.append({"role": "assistant", "content": ai_reply})
        print(f"AI回复：{ai_reply}")


# 启动交互式对话
chat_interaction()
