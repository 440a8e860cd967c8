// One chat completion with the C++ wrapper (openai.hpp): RAII handles, std::string, exceptions.
#include <cstdlib>
#include <iostream>

#include <openai.hpp>

int main() {
    const char *model = std::getenv("OPENAI_MODEL") ? std::getenv("OPENAI_MODEL") : "gpt-4o-mini";
    try {
        openai::Client client; // OPENAI_API_KEY, OPENAI_BASE_URL, .env
        openai::ChatRequest req(model);
        req.system("You are a helpful assistant.").user("Explain how a neural network works, with a metaphor.");
        openai::ChatResponse resp = client.chat(req);
        std::cout << resp.content() << "\n\n"
                  << "finish_reason: " << resp.finish_reason() << "\n"
                  << "tokens: " << resp.prompt_tokens() << " prompt + " << resp.completion_tokens()
                  << " completion = " << resp.total_tokens() << "\n";
    } catch (const openai::Error &e) {
        std::cerr << e.status_name() << ": " << e.what();
        if (!e.request_id().empty()) std::cerr << " (request id " << e.request_id() << ")";
        std::cerr << "\n";
        return 1;
    }
    return 0;
}
