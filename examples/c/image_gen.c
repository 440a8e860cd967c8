/* Image generation: prints the URL of each image (or the size of the base64 PNG). */
#include <stdio.h>
#include <string.h>

#include <openai.h>

int main(int argc, char **argv) {
    const char *prompt = argc > 1 ? argv[1] : "a lighthouse on a cliff at dusk, watercolor";
    char body[1024];
    openai_client *client = NULL;
    openai_images_response *images = NULL;
    openai_status st;
    size_t i;

    /* The request is the documented JSON body (the prompt here must not contain quotes). */
    snprintf(body, sizeof body,
             "{\"model\": \"dall-e-3\", \"prompt\": \"%s\", \"size\": \"1024x1024\", \"n\": 1}", prompt);
    if ((st = openai_client_new(NULL, &client)) ||
        (st = openai_client_images_generate(client, body, NULL, &images))) {
        fprintf(stderr, "error: %s: %s\n", openai_status_name(st), openai_last_error_message());
        openai_client_free(client);
        return 1;
    }
    for (i = 0; i < openai_images_response_count(images); i++) {
        const char *url = openai_images_response_url(images, i);
        const char *b64 = openai_images_response_b64_json(images, i);
        if (url) printf("image: %s\n", url);
        if (b64) printf("image: %zu bytes of base64 PNG\n", strlen(b64));
        if (openai_images_response_revised_prompt(images, i))
            printf("revised prompt: %s\n", openai_images_response_revised_prompt(images, i));
    }
    openai_images_response_free(images);
    openai_client_free(client);
    return 0;
}
