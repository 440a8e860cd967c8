// A streamed reply with the C++ wrapper: range-for over the stream, printing text as it arrives.
#include <cstdlib>
#include <iostream>

#include <openai.hpp>

int main() {
    const char *model = std::getenv("OPENAI_MODEL") ? std::getenv("OPENAI_MODEL") : "gpt-4o-mini";
    try {
        openai::Client client;
        openai::ChatRequest req(model);
        req.user("Write a haiku about recursion.").field("stream_options", R"({"include_usage": true})");
        openai::ChatStream stream = client.chat_stream(req);
        for (const openai::ChatDelta &delta : stream) std::cout << delta.content() << std::flush;
        std::cout << "\n\nfinish_reason: " << stream.finish_reason() << "\n"
                  << "total tokens: " << stream.completion().total_tokens() << "\n";
    } catch (const openai::Error &e) {
        std::cerr << "\n" << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
