// The Responses API from C++: a response, then the same request streamed with range-for.
#include <cstdlib>
#include <iostream>

#include <openai.hpp>

int main() {
    const char *env_model = std::getenv("OPENAI_MODEL");
    const std::string model = env_model ? env_model : "gpt-4o-mini";
    try {
        openai::Client client;
        openai::ResponsesRequest req(model, "Explain recursion in one sentence.");
        req.set("instructions", R"("Be brief.")");
        openai::Response r = client.responses_create(req);
        std::cout << "output_text: " << r.output_text() << "\n"
                  << "tokens: " << r.input_tokens() << " input + " << r.output_tokens()
                  << " output = " << r.total_tokens() << "\n";
        openai::ResponsesStream stream = client.responses_stream(req);
        std::cout << "streamed: ";
        for (const auto &event : stream) {
            if (event.type() == "response.output_text.delta") std::cout << event.delta() << std::flush;
        }
        std::cout << "\nfinal status: " << stream.response().status() << "\n";
    } catch (const openai::Error &e) {
        std::cerr << "error: " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    }
    return 0;
}
