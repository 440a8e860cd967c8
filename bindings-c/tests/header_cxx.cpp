// openai.h and openai.hpp compile as strict C++17, each included twice.
#include "openai.h"
#include "openai.h"
#include "openai.hpp"
#include "openai.hpp"

int header_cxx_probe();
int header_cxx_probe() {
    openai_status st = OPENAI_STATUS_OK;
    return static_cast<int>(st) + static_cast<int>(openai::Role::User) + OPENAI_VERSION_MINOR;
}
