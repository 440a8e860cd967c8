// Tests of openai.hpp against the mock server: RAII, exceptions with details, range-for streams,
// callbacks with lambdas and exceptions, threads sharing a client.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "openai.hpp"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) throw std::runtime_error(std::string(__FILE__ ":") + std::to_string(__LINE__) + ": " #cond); \
    } while (0)

namespace {

openai::Client mock(const std::string &fault = "", int retries = -1) {
    openai::ClientOptions o;
    o.base_url(std::getenv("OPENAI_BASE_URL")).api_key("sk-test");
    if (!fault.empty()) o.header("x-mock-fault", fault);
    if (retries >= 0) o.max_retries(static_cast<std::uint32_t>(retries));
    return openai::Client(o);
}

// A server quoting "Bearer <key>" back (the mock's echo-key fault): neither what() nor any field
// of the exception holds the key.
void key_scrubbed() {
    const std::string canary = "sk-test-CANARY-cpp-51e0";
    for (const char *fault : {"echo-key", "echo-key=event"}) {
        openai::ClientOptions o;
        o.base_url(std::getenv("OPENAI_BASE_URL")).api_key(canary).max_retries(0);
        o.header("x-mock-fault", fault);
        openai::Client client(o);
        openai::ChatRequest req("gpt-4o-mini");
        req.user("hi");
        int caught = 0;
        try {
            client.chat(req);
        } catch (const openai::Error &e) {
            CHECK(e.status() == OPENAI_STATUS_AUTHENTICATION);
            CHECK(std::string(e.what()).find("Bearer [REDACTED]") != std::string::npos);
            for (const std::string &t : {std::string(e.what()), e.body(), e.code(), e.type(), e.request_id()})
                CHECK(t.find("CANARY") == std::string::npos);
            caught++;
        }
        try {
            for (const openai::ChatDelta &d : client.chat_stream(req)) (void)d;
        } catch (const openai::Error &e) {
            CHECK(e.status() == OPENAI_STATUS_STREAM_EVENT);
            CHECK(std::string(e.what()).find("[REDACTED]") != std::string::npos);
            for (const std::string &t : {std::string(e.what()), e.body(), e.code(), e.type()})
                CHECK(t.find("CANARY") == std::string::npos);
            caught++;
        }
        CHECK(caught == 2);
    }
}

void chat() {
    openai::Client client = mock();
    openai::ChatRequest req("gpt-4o-mini");
    req.system("Be brief.").user("hello from C++").temperature(0.5).max_tokens(100).field("seed", "1");
    openai::ChatResponse r = client.chat(req);
    CHECK(r.content() == "You said: hello from C++");
    CHECK(r.finish_reason() == "stop");
    CHECK(r.choice_count() == 1);
    CHECK(r.total_tokens() == r.prompt_tokens() + r.completion_tokens());
    CHECK(r.request_id().rfind("req_", 0) == 0);
    CHECK(r.raw_json().find("\"choices\"") != std::string::npos);
    // Moves transfer ownership; the moved-from object is empty and harmless.
    openai::ChatResponse moved = std::move(r);
    CHECK(moved.content() == "You said: hello from C++");
    CHECK(r.get() == nullptr); // NOLINT(bugprone-use-after-move): documented empty state
    CHECK(r.content().empty());

    openai::ChatRequest vision("gpt-4o-mini");
    vision.user("What is this?").image_url("https://example.com/a.png", openai::ImageDetail::Low);
    CHECK(client.chat(vision).content() == "You said: What is this? [image]");

    openai::ChatRequest json = openai::ChatRequest::from_json(
        R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"JSON please"}]})");
    json.json_mode();
    CHECK(client.chat(json).content() == R"({"reply": "You said: JSON please"})");
    CHECK(json.to_json().find("json_object") != std::string::npos);
}

void errors() {
    try {
        mock("status=429", 0).chat(openai::ChatRequest("gpt-4o-mini").user("hi"));
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_RATE_LIMITED);
        CHECK(std::strcmp(e.status_name(), "OPENAI_STATUS_RATE_LIMITED") == 0);
        CHECK(e.http_status() == 429);
        CHECK(e.code() == "rate_limit_exceeded");
        CHECK(e.request_id().rfind("req_", 0) == 0);
        CHECK(std::string(e.what()).find("429") != std::string::npos);
    }
    try {
        openai::ChatRequest bad("gpt-4o-mini");
        bad.temperature(9.0);
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_INVALID_ARGUMENT);
    }
    try {
        openai::ClientOptions o;
        o.base_url("not a url").api_key("k");
        openai::Client c(o);
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_CONFIG);
    }
    try {
        mock().models_retrieve("no-such");
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_NOT_FOUND && e.http_status() == 404);
    }
}

void stream() {
    openai::Client client = mock();
    openai::ChatRequest req("gpt-4o-mini");
    req.user("stream from C++");
    openai::ChatStream s = client.chat_stream(req);
    std::string text;
    int chunks = 0;
    for (const openai::ChatDelta &d : s) {
        text += d.content();
        chunks++;
    }
    CHECK(text == "You said: stream from C++");
    CHECK(chunks >= 5);
    CHECK(s.complete());
    CHECK(s.content() == text);
    CHECK(s.finish_reason() == "stop");
    CHECK(s.completion().content() == text);

    // Truncation surfaces as an exception from the loop.
    openai::ChatStream cut = mock("truncate-after=2").chat_stream(req);
    std::string partial;
    try {
        for (const auto &d : cut) partial += d.content();
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_STREAM_TRUNCATED);
    }
    CHECK(partial == "You said");
    CHECK(cut.content() == "You said");
    // Breaking out early then destroying the stream closes it.
    {
        openai::ChatStream early = mock("events=100;interval=20").chat_stream(req);
        for (const auto &d : early) {
            (void)d;
            break;
        }
    }
}

void callbacks() {
    openai::Client client = mock();
    openai::ChatRequest req("gpt-4o-mini");
    req.user("each");
    std::string text;
    openai::ChatResponse r = client.chat_stream_each(req, [&](const openai::ChatDelta &d) { text += d.content(); });
    CHECK(text == "You said: each");
    CHECK(r.content() == text);
    int seen = 0;
    try {
        client.chat_stream_each(req, [&](const openai::ChatDelta &) { return ++seen < 2; });
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_ABORTED_BY_CALLBACK);
        CHECK(seen == 2);
    }
    // A C++ exception in the callback never crosses the C frames; it is rethrown here.
    try {
        client.chat_stream_each(req, [](const openai::ChatDelta &) { throw std::logic_error("from lambda"); });
        CHECK(false);
    } catch (const std::logic_error &e) {
        CHECK(std::string(e.what()) == "from lambda");
    }
}

void cancel_and_threads() {
    openai::Client slow = mock("delay-headers=5000", 0);
    openai::CancelToken token;
    auto start = std::chrono::steady_clock::now();
    std::thread t([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        token.cancel();
    });
    try {
        slow.chat(openai::ChatRequest("gpt-4o-mini").user("slow"), &token);
        CHECK(false);
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_CANCELLED);
    }
    t.join();
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::milliseconds(1500));
    CHECK(token.cancelled());

    const openai::Client shared = mock();
    std::vector<std::thread> threads;
    std::vector<int> ok(8, 0);
    for (int i = 0; i < 8; i++) {
        threads.emplace_back([&, i] {
            for (int j = 0; j < 5; j++) {
                std::string text = "t" + std::to_string(i) + " r" + std::to_string(j);
                if (shared.chat(openai::ChatRequest("gpt-4o-mini").user(text)).content() == "You said: " + text) ok[i]++;
            }
        });
    }
    for (auto &th : threads) th.join();
    for (int n : ok) CHECK(n == 5);
}

void endpoints() {
    openai::Client client = mock();
    openai::ImagesResponse img = client.images_generate(R"({"prompt":"a cat","n":2})");
    CHECK(img.size() == 2);
    CHECK(img.url(0).rfind("https://", 0) == 0);
    CHECK(client.embeddings(R"({"model":"text-embedding-3-small","input":"x"})").find("embedding") != std::string::npos);
    CHECK(client.models_list().find("gpt-4o-mini") != std::string::npos);
    CHECK(client.request_json("GET", "models").find("\"data\"") != std::string::npos);
    CHECK(openai::version() == OPENAI_VERSION_STRING);
}

void conversation() {
    openai::Client client = mock();
    openai::Conversation conv("gpt-4o-mini");
    conv.system("Be brief.").params(R"({"temperature": 0.5})");
    openai::ChatResponse r = conv.send(client, "first from C++");
    CHECK(r.content() == "You said: first from C++");
    std::string streamed;
    {
        openai::ChatStream s = conv.stream(client, "second from C++");
        for (const auto &d : s) {
            streamed += d.content();
            CHECK(conv.size() == 3); // appended only at the end
        }
        CHECK(s.complete());
    }
    CHECK(streamed == "You said: second from C++");
    CHECK(conv.size() == 5);
    openai::UsageTotals u = conv.usage();
    CHECK(u.calls == 2 && u.prompt_tokens > r.prompt_tokens() && u.cost_usd > 0);
    CHECK(u.cost_usd == conv.cost_usd());
    CHECK(conv.last_call().dropped_messages == 0);
    CHECK(conv.count_tokens() > 0 && conv.context_window() >= 128000);
    // A branch goes its own way; JSON round-trips.
    openai::Conversation branch = conv.clone();
    CHECK(branch.undo() == 2 && branch.size() == 3 && conv.size() == 5);
    CHECK(openai::Conversation::from_json(conv.to_json()).to_json() == conv.to_json());
    // Refusals throw with their own status, and nothing is appended.
    conv.context_window(40).reserve_output_tokens(10);
    try {
        conv.send(client, std::string(400, 'x') + " too long");
        CHECK(!"no exception");
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_CONTEXT_OVERFLOW);
    }
    conv.context_window(0).budget_usd(0.0);
    try {
        conv.send(client, "over budget");
        CHECK(!"no exception");
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_BUDGET_EXCEEDED);
    }
    CHECK(conv.size() == 5);
    CHECK(openai::count_tokens("gpt-4o", "Hello, world!") == 4);
}

void responses() {
    openai::Client client = mock();
    openai::Response r = client.responses_create(openai::ResponsesRequest("gpt-4o-mini", "hello responses"));
    CHECK(r.output_text() == "You said: hello responses");
    CHECK(r.status() == "completed");
    CHECK(r.total_tokens() == r.input_tokens() + r.output_tokens());
    CHECK(r.output_count() == 1 && r.item_type(0) == "message");
    std::string text;
    std::int64_t last = -1;
    openai::ResponsesStream s = client.responses_stream(openai::ResponsesRequest("gpt-4o-mini", "hello responses"));
    for (const auto &e : s) {
        CHECK(e.sequence_number() == last + 1);
        last = e.sequence_number();
        if (e.type() == "response.output_text.delta") text += e.delta();
    }
    CHECK(s.complete());
    CHECK(text == r.output_text());
    CHECK(s.response().id() == r.id());
    openai::ResponsesRequest req("gpt-4o-mini");
    req.message("user", "Weather?").set("tools", R"([{"type":"function","name":"w","parameters":{"type":"object"}}])");
    openai::Response call = client.responses_create(req);
    CHECK(call.item_type(0) == "function_call" && call.item_name(0) == "w");
    req.item_json(call.item_json(0)).function_call_output(call.item_call_id(0), "rain");
    CHECK(client.responses_create(req).output_text() == "Tool result: rain");
    try {
        openai::ResponsesStream cut = mock("close-after=1").responses_stream(openai::ResponsesRequest("gpt-4o-mini", "cut short"));
        for (const auto &e : cut) (void)e;
        CHECK(!"a cut stream must throw");
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_STREAM_TRUNCATED);
    }
    CHECK(client.call("retrieveModel", R"({"model":"gpt-4o-mini"})").find("gpt-4o-mini") != std::string::npos);
    try {
        client.call("noSuchOperation");
        CHECK(!"an unknown operation must throw");
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_INVALID_ARGUMENT);
    }
}

void files_and_pages() {
    openai::Client client = mock();
    openai::Form form;
    form.text("purpose", "assistants").bytes("file", "hello from C++\n", "cpp.txt");
    std::string f = client.call_form("createFile", form);
    CHECK(f.find("\"filename\":\"cpp.txt\"") != std::string::npos);
    std::string id = f.substr(f.find("\"id\":\"") + 6);
    id = id.substr(0, id.find('"'));
    std::string dest = "/tmp/openai-cpp-" + std::to_string(::getpid()) + ".txt";
    CHECK(client.files_download(id, dest) == 15);
    CHECK(client.download_to_file("downloadFile", dest, "{\"file_id\":\"" + id + "\"}") == 15);
    std::remove(dest.c_str());
    openai::Pager pager = client.pages("listFiles", {}, R"({"limit":1})");
    std::string page;
    int pages = 0;
    while (pager.next(page)) pages++;
    CHECK(pages >= 1 && !pager.has_next());
    try {
        client.batches_retrieve("batch_nope");
        CHECK(!"an unknown batch must throw");
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_NOT_FOUND);
    }
}


// The bulk runner: every row once through a lambda, progress, a stop from the callback, resume.
void bulk() {
    openai::Client client = mock();
    const std::string in = "/tmp/openai-cpp-bulk-" + std::to_string(::getpid()) + ".jsonl";
    const std::string out = in + ".out";
    std::remove(out.c_str());
    {
        FILE *f = std::fopen(in.c_str(), "wb");
        CHECK(f != nullptr);
        for (int i = 0; i < 12; i++)
            std::fprintf(f,
                         "{\"custom_id\":\"c%d\",\"method\":\"POST\",\"url\":\"/v1/embeddings\","
                         "\"body\":{\"model\":\"text-embedding-3-small\",\"input\":\"row %d\"}}\n",
                         i, i);
        std::fclose(f);
    }
    std::vector<int> seen(12, 0);
    int rows = 0;
    try {
        client.bulk_run(in, out, R"({"concurrency":2})",
                        [&](const openai_bulk_result &) { return ++rows < 3; },
                        [](const openai_bulk_progress &) {});
        CHECK(!"a callback returning false must stop the run");
    } catch (const openai::Error &e) {
        CHECK(e.status() == OPENAI_STATUS_ABORTED_BY_CALLBACK);
    }
    std::uint64_t last_done = 0;
    openai_bulk_summary sum = client.bulk_run(
        in, out, R"({"concurrency":4})",
        [&](const openai_bulk_result &r) {
            CHECK(r.status == OPENAI_STATUS_OK && r.http_status == 200);
            seen.at(static_cast<std::size_t>(std::atoi(r.custom_id + 1)))++;
        },
        [&](const openai_bulk_progress &p) { last_done = p.done; });
    CHECK(sum.skipped >= 3 && sum.ok + sum.skipped == 12 && sum.failed == 0);
    CHECK(last_done == sum.ok);
    int total = 0;
    for (int n : seen) {
        CHECK(n <= 1);
        total += n;
    }
    CHECK(static_cast<std::uint64_t>(total) == sum.ok);
    CHECK(client.bulk_run(in, out).skipped == 12);
    std::remove(in.c_str());
    std::remove(out.c_str());
}

// The queue: chat answers, a stream's chunks and end, a generic call, an error, a cancel.
void queue() {
    openai::Queue q(mock());
    openai::ChatRequest req("gpt-4o-mini");
    req.user("queued");
    for (int i = 0; i < 8; i++) q.submit_chat(req, static_cast<std::uint64_t>(i));
    q.submit_chat_stream(req, 100);
    q.submit_call("listModels", "", "", "", 200);
    q.submit_call("retrieveModel", R"({"model":"no-such-model"})", "", "", 300);
    std::string streamed;
    int answers = 0, ends = 0, errors = 0, lists = 0;
    while (q.outstanding() > 0) {
        CHECK(q.wait(10000));
        while (auto c = q.pop()) {
            if (c->tag() < 8) {
                c->check();
                CHECK(c->content() == "You said: queued");
                answers++;
            } else if (c->tag() == 100 && !c->is_final()) {
                CHECK(c->delta().has_value());
                streamed += std::string(c->delta()->content());
            } else if (c->tag() == 100) {
                CHECK(c->kind() == openai::CompletionKind::StreamEnd && c->ok());
                CHECK(c->content() == streamed);
                ends++;
            } else if (c->tag() == 200) {
                c->check();
                CHECK(c->body().find("\"object\":\"list\"") != std::string_view::npos);
                lists++;
            } else {
                CHECK(c->tag() == 300 && !c->ok());
                try {
                    c->check();
                    CHECK(!"check() must throw for a failed request");
                } catch (const openai::Error &e) {
                    CHECK(e.status() == c->status() && e.http_status() == c->http_status());
                }
                errors++;
            }
        }
    }
    CHECK(answers == 8 && ends == 1 && lists == 1 && errors == 1);
    CHECK(streamed == "You said: queued");
    CHECK(!q.wait(0));
    // Cancelled before it could answer (headers only after 5 s).
    openai::Queue slow(mock("delay-headers=5000", 0));
    std::uint64_t id = slow.submit_chat(req, 1);
    CHECK(slow.cancel(id));
    CHECK(!slow.cancel(id));
    CHECK(slow.wait(4000));
    auto c = slow.pop();
    CHECK(c && c->status() == OPENAI_STATUS_CANCELLED && c->is_final());
}

} // namespace

int main(int argc, char **argv) {
    const std::map<std::string, std::function<void()>> tests = {
        {"cpp_chat", chat},           {"cpp_errors", errors},       {"cpp_stream", stream},
        {"cpp_callbacks", callbacks}, {"cpp_cancel_and_threads", cancel_and_threads},
        {"cpp_endpoints", endpoints}, {"cpp_conversation", conversation},
        {"cpp_responses", responses},           {"cpp_files_and_pages", files_and_pages},
        {"cpp_key_scrubbed", key_scrubbed}, {"cpp_bulk", bulk},  {"cpp_queue", queue},
    };
    if (argc == 2 && std::string(argv[1]) == "--list") {
        for (const auto &t : tests) std::cout << t.first << "\n";
        return 0;
    }
    if (argc != 2 || !tests.count(argv[1])) {
        std::cerr << "usage: " << argv[0] << " TEST | --list\n";
        return 2;
    }
    try {
        tests.at(argv[1])();
    } catch (const openai::Error &e) {
        std::cerr << argv[1] << ": unexpected " << e.status_name() << ": " << e.what() << "\n";
        return 1;
    } catch (const std::exception &e) {
        std::cerr << argv[1] << ": FAILED: " << e.what() << "\n";
        return 1;
    }
    std::cerr << argv[1] << ": ok\n";
    return 0;
}
