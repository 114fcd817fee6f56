#pragma once
// What every outbound HTTP call over libcurl needs: one process-wide init, owned handles and
// header lists, and option setting that fails loudly. Used by the OIDC client, alert webhooks
// and the S3 object store.
#include <curl/curl.h>
#include <memory>
#include <string>

namespace dokkerr::http {

struct CurlDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;

// A fresh easy handle (after the one curl_global_init); Error internal when libcurl has none.
CurlHandle make_curl_handle();

// A curl_slist that frees itself.
class CurlHeaders {
 public:
  void add(const std::string& line);
  [[nodiscard]] curl_slist* get() const noexcept { return list_.get(); }

 private:
  struct Deleter {
    void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
  };
  std::unique_ptr<curl_slist, Deleter> list_;
};

void throw_setopt_failure(CURLoption option);

template <typename T>
void set_option(CURL* handle, CURLoption option, T value) {
  if (curl_easy_setopt(handle, option, value) != CURLE_OK) throw_setopt_failure(option);
}

}  // namespace dokkerr::http
