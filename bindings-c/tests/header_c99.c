/* openai.h compiles as strict C99, included twice (include guard). */
#include "openai.h"
#include "openai.h"

int header_c99_probe(void);
int header_c99_probe(void) {
    openai_status st = OPENAI_STATUS_OK;
    uint32_t role = OPENAI_ROLE_USER;
    return (int)st + (int)role + OPENAI_VERSION_MAJOR + (openai_version() != NULL);
}
