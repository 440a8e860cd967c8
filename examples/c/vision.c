/* Image input: a user message with text and an image URL (argv[1], or a sample picture). */
#include <stdio.h>
#include <stdlib.h>

#include <openai.h>

int main(int argc, char **argv) {
    const char *model = getenv("OPENAI_MODEL") ? getenv("OPENAI_MODEL") : "gpt-4o-mini";
    const char *url = argc > 1 ? argv[1]
                               : "https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/"
                                 "Gfp-wisconsin-madison-the-nature-boardwalk.jpg/"
                                 "2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg";
    openai_client *client = NULL;
    openai_chat_request *req = NULL;
    openai_chat_response *resp = NULL;
    openai_status st;

    if ((st = openai_client_new(NULL, &client)) || (st = openai_chat_request_new(model, &req)) ||
        (st = openai_chat_request_add_message(req, OPENAI_ROLE_USER, "What is in this image?")) ||
        /* Parts are added to the last message; detail is low, high, auto or the default. */
        (st = openai_chat_request_add_image_url(req, url, OPENAI_IMAGE_DETAIL_LOW)) ||
        (st = openai_chat_request_set_max_tokens(req, 300)) ||
        (st = openai_client_chat(client, req, NULL, &resp))) {
        fprintf(stderr, "error: %s: %s\n", openai_status_name(st), openai_last_error_message());
    } else {
        printf("%s\n", openai_chat_response_content(resp, 0));
    }
    openai_chat_response_free(resp);
    openai_chat_request_free(req);
    openai_client_free(client);
    return st ? 1 : 0;
}
