#pragma once
// RFC 3986 percent-encoding as OAuth forms and AWS SigV4 both want it: the unreserved
// characters (A-Z a-z 0-9 - . _ ~) stay, every other byte becomes %XX with upper-case hex.
#include <string>
#include <string_view>

namespace dokkerr::http {

// keep_slash: '/' stays too (S3 object paths).
std::string percent_encode(std::string_view text, bool keep_slash = false);

}  // namespace dokkerr::http
