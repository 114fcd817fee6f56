#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace dokkerr {

// Cryptographically random lowercase hex (OpenSSL RAND_bytes), `bytes` bytes of entropy.
std::string random_hex(std::size_t bytes);

// An incoming X-Request-Id is kept only when it is 1–128 chars of [A-Za-z0-9._:-].
bool is_valid_request_id(std::string_view id);

}  // namespace dokkerr
