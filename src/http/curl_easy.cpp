#include "http/curl_easy.hpp"

#include "core/error.hpp"

#include <mutex>

namespace dokkerr::http {

CurlHandle make_curl_handle() {
  // curl_global_init is not thread-safe on every libcurl build; pool threads share one call.
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw Error::internal_error("curl_global_init failed");
    }
  });
  CurlHandle handle(curl_easy_init());
  if (!handle) throw Error::internal_error("curl_easy_init failed");
  return handle;
}

void CurlHeaders::add(const std::string& line) {
  curl_slist* const list = curl_slist_append(list_.get(), line.c_str());
  if (list == nullptr) throw Error::internal_error("curl_slist_append failed");
  static_cast<void>(list_.release());  // now owned through `list`, which starts with it
  list_.reset(list);
}

void throw_setopt_failure(CURLoption option) {
  throw Error::internal_error("curl_easy_setopt failed for option " +
                              std::to_string(static_cast<int>(option)));
}

}  // namespace dokkerr::http
