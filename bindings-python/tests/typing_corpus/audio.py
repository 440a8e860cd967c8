"""Audio: transcriptions, translations, speech."""

from __future__ import annotations

from pathlib import Path

from openai_rs import OpenAI

client = OpenAI()


def transcribe(path: Path) -> str:
    with path.open("rb") as audio_file:
        transcription = client.audio.transcriptions.create(model="whisper-1", file=audio_file)
    return transcription.text


def translate(path: Path) -> str:
    translation = client.audio.translations.create(model="whisper-1", file=path)
    return translation.text


def speak(text: str, out: Path) -> None:
    response = client.audio.speech.create(model="tts-1", voice="alloy", input=text)
    response.write_to_file(out)
    with client.audio.speech.with_streaming_response.create(
        model="gpt-4o-mini-tts", voice="coral", input=text
    ) as streamed:
        streamed.stream_to_file(out)


def main() -> None:
    print(transcribe(Path("speech.mp3")), translate(Path("fr.mp3")))
    speak("Hello", Path("hello.mp3"))


if __name__ == "__main__":
    main()
