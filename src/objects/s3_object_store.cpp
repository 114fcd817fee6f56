#include "objects/s3_object_store.hpp"

#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "http/curl_easy.hpp"
#include "http/percent_encoding.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <thread>

namespace dokkerr::objects {
namespace {

constexpr std::size_t kMaxAnswerBytes = std::size_t{8} << 20U;  // XML answers (lists, errors)
constexpr std::size_t kMinPart = std::size_t{5} << 20U;         // S3's floor for all but the last
constexpr std::size_t kMaxPart = std::size_t{512} << 20U;
constexpr int kMaxParts = 10'000;

Error invalid_store(const std::string& why) {
  return Error::invalid("invalid_object_store", "Object store: " + why + ".");
}

Error unavailable(std::string internal) {
  return Error::unavailable("object_store_unavailable", "The object store cannot be reached.",
                            std::move(internal));
}

Error bad_answer(std::string internal) {
  return {ErrorKind::bad_gateway, "object_store_bad_answer",
          "The object store answered something Dokkerr cannot use.", std::move(internal)};
}

using http::percent_encode;

// A query in SigV4's canonical form (sorted, `k=v` even when v is empty): libcurl signs the query
// as it is sent, so it is sent canonical.
std::string query_of(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += percent_encode(name) + "=" + percent_encode(value);
  }
  return out;
}

// S3 answers with a handful of flat XML documents of a fixed schema (ListBucketResult,
// InitiateMultipartUploadResult, ListMultipartUploadsResult, Error); reading those few elements
// by name is all Dokkerr needs, so no XML library is pulled in for it.
std::string xml_unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '&') {
      out += text[i];
      continue;
    }
    static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities{
        {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
    bool matched = false;
    for (const auto& [entity, c] : kEntities) {
      if (text.substr(i).starts_with(entity)) {
        out += c;
        i += entity.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out += '&';
  }
  return out;
}

// Every <name>…</name> in document order (elements of that name do not nest in these schemas).
std::vector<std::string_view> xml_blocks(std::string_view xml, std::string_view name) {
  std::vector<std::string_view> out;
  const std::string open = "<" + std::string(name) + ">";
  const std::string close = "</" + std::string(name) + ">";
  std::size_t at = 0;
  while ((at = xml.find(open, at)) != std::string_view::npos) {
    const std::size_t start = at + open.size();
    const std::size_t end = xml.find(close, start);
    if (end == std::string_view::npos) break;
    out.push_back(xml.substr(start, end - start));
    at = end + close.size();
  }
  return out;
}

std::optional<std::string> xml_text(std::string_view xml, std::string_view name) {
  const auto blocks = xml_blocks(xml, name);
  if (blocks.empty()) return std::nullopt;
  return xml_unescape(blocks.front());
}

// 2026-12-07T02:00:00.000Z
std::int64_t parse_iso_time(std::string_view text) {
  std::tm tm{};
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<std::int64_t>(timegm(&tm));
}

std::uint64_t parse_size(std::string_view text) {
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return 0;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// The [section] of an AWS shared credentials file.
S3Credentials read_credentials_file(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) throw invalid_store("cannot read the credentials file " + path);
  S3Credentials out;
  std::string line;
  bool in_section = false;
  while (std::getline(in, line)) {
    const auto text = trim(line);
    if (text.empty() || text.starts_with('#') || text.starts_with(';')) continue;
    if (text.starts_with('[')) {
      in_section = text == "[" + profile + "]";
      continue;
    }
    if (!in_section) continue;
    const auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    const auto name = trim(text.substr(0, eq));
    const auto value = trim(text.substr(eq + 1));
    if (name == "aws_access_key_id") out.access_key_id = value;
    if (name == "aws_secret_access_key") out.secret_access_key = value;
    if (name == "aws_session_token") out.session_token = value;
  }
  return out;
}

}  // namespace

S3Config parse_s3_url(std::string_view url, const EnvironmentLookup& env) {
  const auto parsed = boost::urls::parse_uri(url);
  if (!parsed || parsed->scheme() != "s3" || parsed->has_userinfo()) {
    throw invalid_store("expected s3://bucket[/prefix][?endpoint=…&region=…&path_style=true]");
  }
  S3Config config;
  config.bucket = parsed->host();
  if (config.bucket.size() < 3 || config.bucket.size() > 63) {
    throw invalid_store("the bucket name must be 3 to 63 characters");
  }
  for (const char c : config.bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      throw invalid_store("the bucket name may hold only a-z, 0-9, '-' and '.'");
    }
  }
  std::string prefix = parsed->path();
  while (prefix.starts_with('/')) prefix.erase(0, 1);
  if (!prefix.empty()) {
    if (!prefix.ends_with('/')) prefix += '/';
    check_key(prefix.substr(0, prefix.size() - 1));
  }
  config.prefix = prefix;

  const auto from_env = [&](const char* name) { return env(name).value_or(""); };
  config.endpoint = from_env("AWS_ENDPOINT_URL");
  std::string region = from_env("AWS_REGION");
  if (region.empty()) region = from_env("AWS_DEFAULT_REGION");
  if (!region.empty()) config.region = region;
  std::string credentials_file = from_env("AWS_SHARED_CREDENTIALS_FILE");
  std::string profile = from_env("AWS_PROFILE");
  if (profile.empty()) profile = "default";
  for (const auto& param : parsed->params()) {
    const std::string name = param.key;
    const std::string value = param.value;
    if (name == "endpoint") {
      config.endpoint = value;
    } else if (name == "region") {
      config.region = value;
    } else if (name == "path_style") {
      if (value != "true" && value != "false") throw invalid_store("path_style is true or false");
      config.path_style = value == "true";
    } else if (name == "credentials_file") {
      credentials_file = value;
    } else if (name == "profile") {
      profile = value;
    } else if (name == "part_size_mib") {
      const auto mib = parse_size(value);
      if (mib < 5 || mib > 512) throw invalid_store("part_size_mib is 5 to 512");
      config.part_size = static_cast<std::size_t>(mib) << 20U;
    } else {
      throw invalid_store("unknown parameter " + name);
    }
  }
  if (config.endpoint.empty()) config.endpoint = "https://s3." + config.region + ".amazonaws.com";
  const auto endpoint = boost::urls::parse_absolute_uri(config.endpoint);
  if (!endpoint || (endpoint->scheme() != "http" && endpoint->scheme() != "https") ||
      endpoint->host().empty() || endpoint->has_userinfo() || endpoint->has_query() ||
      (!endpoint->path().empty() && endpoint->path() != "/")) {
    throw invalid_store("the endpoint must be http(s)://host[:port]");
  }
  while (config.endpoint.ends_with('/')) config.endpoint.pop_back();
  for (const char c : config.region) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      throw invalid_store("the region may hold only a-z, 0-9 and '-'");
    }
  }
  if (config.region.empty()) throw invalid_store("the region is empty");

  config.credentials.access_key_id = from_env("AWS_ACCESS_KEY_ID");
  config.credentials.secret_access_key = from_env("AWS_SECRET_ACCESS_KEY");
  config.credentials.session_token = from_env("AWS_SESSION_TOKEN");
  if (config.credentials.access_key_id.empty() && !credentials_file.empty()) {
    config.credentials = read_credentials_file(credentials_file, profile);
  }
  if (config.credentials.access_key_id.empty() || config.credentials.secret_access_key.empty()) {
    throw invalid_store(
        "no credentials (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a credentials file)");
  }
  return config;
}

// One signed request to the bucket, with the retries.
class S3Transport {
 public:
  struct Request {
    const char* method = "GET";
    std::string full_key;  // under the bucket, config prefix included; "" for bucket calls
    std::string query;     // canonical (query_of)
    std::vector<std::string> headers;
    std::string_view body;      // sent as is (PUT parts, XML)
    std::FILE* file = nullptr;  // or sent from this file, from its start (a single PUT)
    std::uint64_t file_size = 0;
    const ObjectSink* sink = nullptr;  // receives a 2xx body; else it is kept in Answer::body
  };
  struct Answer {
    long status = 0;
    std::string body;  // error documents and XML answers
    std::string etag;
    std::uint64_t content_length = 0;
    std::int64_t last_modified = 0;
  };

  explicit S3Transport(S3Config config) : config_(std::move(config)) {}

  [[nodiscard]] const S3Config& config() const { return config_; }

  // Retries what may succeed later; returns the last answer otherwise (callers judge 4xx).
  Answer send(const Request& request) const {
    std::uint64_t delivered = 0;  // bytes a sink already has: a retry resumes after them
    std::string last_failure;
    auto wait = config_.first_retry_wait;
    std::mt19937 jitter(std::random_device{}());
    for (int attempt = 1;; ++attempt) {
      Answer answer;
      std::string failure;
      const bool transported = once(request, delivered, answer, failure);
      // 501 (not implemented) and other answers will not change on a retry.
      const long status = answer.status;
      const bool retryable = !transported || status == 500 || status == 502 || status == 503 ||
                             status == 504 || status == 429;
      if (!retryable) return answer;
      last_failure =
          transported ? "HTTP " + std::to_string(answer.status) + " " + answer.body.substr(0, 300)
                      : failure;
      if (attempt >= config_.attempts) break;
      std::uniform_int_distribution<long> spread(0, wait.count() / 2);
      std::this_thread::sleep_for(wait + std::chrono::milliseconds(spread(jitter)));
      wait *= 2;
    }
    throw unavailable(std::string(request.method) + " " + describe_key(request.full_key) +
                      " failed " + std::to_string(config_.attempts) + " times: " + last_failure);
  }

  [[nodiscard]] std::string describe_key(std::string_view full_key) const {
    return "s3://" + config_.bucket + "/" + std::string(full_key);
  }

 private:
  struct Transfer {
    const Request* request = nullptr;
    Answer* answer = nullptr;
    std::uint64_t* delivered = nullptr;
    std::uint64_t resumed_from = 0;  // bytes the sink had when this attempt began
    std::uint64_t skip = 0;          // a server that ignored Range sends from the start again
    std::size_t body_offset = 0;
    long status = 0;
    std::exception_ptr sink_error;
  };

  static std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      t->answer->etag.clear();  // a new response (100 Continue, redirects) starts over
      return size * count;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * count;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto value = trim(line.substr(colon + 1));
    if (name == "etag") t->answer->etag = value;
    if (name == "content-length") t->answer->content_length = parse_size(value);
    if (name == "last-modified") {
      t->answer->last_modified = static_cast<std::int64_t>(curl_getdate(value.c_str(), nullptr));
    }
    return size * count;
  }

  static std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    std::string_view piece(data, size * count);
    const bool to_sink = t->request->sink != nullptr && t->status >= 200 && t->status < 300;
    if (!to_sink) {
      if (t->answer->body.size() + piece.size() > kMaxAnswerBytes) return 0;
      t->answer->body.append(piece);
      return size * count;
    }
    if (t->skip > 0) {
      const auto drop = std::min<std::uint64_t>(t->skip, piece.size());
      piece.remove_prefix(static_cast<std::size_t>(drop));
      t->skip -= drop;
    }
    if (piece.empty()) return size * count;
    try {
      (*t->request->sink)(piece);
    } catch (...) {
      t->sink_error = std::current_exception();
      return 0;
    }
    *t->delivered += piece.size();
    return size * count;
  }

  static std::size_t on_read(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    if (t->request->file != nullptr) {
      const std::size_t n = std::fread(buffer, 1, size * count, t->request->file);
      return std::ferror(t->request->file) != 0 ? CURL_READFUNC_ABORT : n;
    }
    const auto& body = t->request->body;
    const std::size_t n = std::min(size * count, body.size() - t->body_offset);
    std::memcpy(buffer, body.data() + t->body_offset, n);
    t->body_offset += n;
    return n;
  }

  // libcurl rewinds a body it must send again (a retried request on a new connection).
  static int on_seek(void* user, curl_off_t offset, int origin) {
    auto* t = static_cast<Transfer*>(user);
    if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_FAIL;
    if (t->request->file != nullptr) {
      return ::fseeko(t->request->file, static_cast<off_t>(offset), SEEK_SET) == 0
                 ? CURL_SEEKFUNC_OK
                 : CURL_SEEKFUNC_FAIL;
    }
    if (static_cast<std::size_t>(offset) > t->request->body.size()) return CURL_SEEKFUNC_FAIL;
    t->body_offset = static_cast<std::size_t>(offset);
    return CURL_SEEKFUNC_OK;
  }

  // The status line arrives before the body: the header callback of the status sets it.
  static std::size_t on_header_status(char* data, std::size_t size, std::size_t count, void* user) {
    auto* t = static_cast<Transfer*>(user);
    const std::string_view line(data, size * count);
    if (line.starts_with("HTTP/")) {
      const auto space = line.find(' ');
      if (space != std::string_view::npos) {
        t->status = static_cast<long>(parse_size(line.substr(space + 1, 3)));
      }
      t->skip = t->status == 200 ? t->resumed_from : 0;
    }
    return on_header(data, size, count, user);
  }

  // One attempt; false when the transfer itself failed (no answer to judge).
  bool once(const Request& request, std::uint64_t& delivered, Answer& answer,
            std::string& failure) const {
    using http::set_option;
    const auto handle = http::make_curl_handle();
    CURL* const curl = handle.get();
    const std::string url = url_for(request.full_key, request.query);
    http::CurlHeaders headers;
    for (const auto& line : request.headers) headers.add(line);
    // No "Expect:" line to turn off 100-continue: libcurl would sign that empty header without
    // sending it, and S3 would refuse the signature.
    if (!config_.credentials.session_token.empty()) {
      headers.add("x-amz-security-token: " + config_.credentials.session_token);
    }
    // The payload is signed when Dokkerr has it whole (parts, XML); a download has none.
    // A file is sent as it is read (one pass, its checksum lives in Dokkerr's own manifests);
    // parts and XML are hashed and signed whole.
    headers.add("x-amz-content-sha256: " + (request.file != nullptr
                                                ? std::string("UNSIGNED-PAYLOAD")
                                                : crypto::sha256_hex(request.body)));
    if (request.file != nullptr && ::fseeko(request.file, 0, SEEK_SET) != 0) {
      throw Error::internal_error("cannot rewind the file being uploaded");
    }
    Transfer transfer;
    transfer.request = &request;
    transfer.answer = &answer;
    transfer.delivered = &delivered;
    transfer.resumed_from = delivered;
    if (request.sink != nullptr && delivered > 0) {
      headers.add("Range: bytes=" + std::to_string(delivered) + "-");
    }
    const std::string sigv4 = "aws:amz:" + config_.region + ":s3";
    const std::string userpwd =
        config_.credentials.access_key_id + ":" + config_.credentials.secret_access_key;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    set_option(curl, CURLOPT_URL, url.c_str());
    set_option(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    set_option(curl, CURLOPT_FOLLOWLOCATION, 0L);
    set_option(curl, CURLOPT_NOSIGNAL, 1L);
    set_option(curl, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
    set_option(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    set_option(curl, CURLOPT_LOW_SPEED_TIME, config_.stall_seconds);
    set_option(curl, CURLOPT_USERAGENT, "Dokkerr");
    set_option(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
    set_option(curl, CURLOPT_USERPWD, userpwd.c_str());
    set_option(curl, CURLOPT_CUSTOMREQUEST, request.method);
    set_option(curl, CURLOPT_HTTPHEADER, headers.get());
    set_option(curl, CURLOPT_HEADERFUNCTION, &on_header_status);
    set_option(curl, CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    set_option(curl, CURLOPT_WRITEFUNCTION, &on_body);
    set_option(curl, CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    set_option(curl, CURLOPT_ERRORBUFFER, error_buffer.data());
    const std::string_view method = request.method;
    if (method == "HEAD") set_option(curl, CURLOPT_NOBODY, 1L);
    if (method == "PUT" || method == "POST") {
      set_option(curl, CURLOPT_UPLOAD, 1L);
      const auto body_size = request.file != nullptr ? request.file_size : request.body.size();
      set_option(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_size));
      set_option(curl, CURLOPT_READFUNCTION, &on_read);
      set_option(curl, CURLOPT_READDATA, static_cast<void*>(&transfer));
      set_option(curl, CURLOPT_SEEKFUNCTION, &on_seek);
      set_option(curl, CURLOPT_SEEKDATA, static_cast<void*>(&transfer));
    }
    const CURLcode code = curl_easy_perform(curl);
    if (transfer.sink_error) std::rethrow_exception(transfer.sink_error);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &answer.status);
    if (code != CURLE_OK) {
      failure = std::string(curl_easy_strerror(code)) + ": " + error_buffer.data();
      if (code == CURLE_WRITE_ERROR && answer.body.size() >= kMaxAnswerBytes) {
        throw bad_answer("answer larger than 8 MiB from " + describe_key(request.full_key));
      }
      return false;
    }
    return true;
  }

  [[nodiscard]] std::string url_for(std::string_view full_key, std::string_view query) const {
    std::string url;
    if (config_.path_style) {
      url = config_.endpoint + "/" + config_.bucket + "/";
    } else {
      const auto scheme_end = config_.endpoint.find("://") + 3;
      url = config_.endpoint.substr(0, scheme_end) + config_.bucket + "." +
            config_.endpoint.substr(scheme_end) + "/";
    }
    url += percent_encode(full_key, true);  // S3's path encoding: '/' stays
    if (!query.empty()) url += "?" + std::string(query);
    return url;
  }

  S3Config config_;
};

namespace {

Error answer_error(const S3Transport& transport, const std::string& what,
                   const S3Transport::Answer& answer) {
  const auto code = xml_text(answer.body, "Code").value_or("");
  const std::string internal = what + ": HTTP " + std::to_string(answer.status) + " " + code + " " +
                               xml_text(answer.body, "Message").value_or("");
  static_cast<void>(transport);
  if (answer.status == 403 || answer.status == 401 || code == "NoSuchBucket") {
    return Error::unavailable(
        "object_store_unavailable",
        "The object store refused Dokkerr's credentials or has no such bucket.", internal);
  }
  return bad_answer(internal);
}

class S3Writer final : public ObjectWriter {
 public:
  S3Writer(std::shared_ptr<const S3Transport> transport, std::string key)
      : transport_(std::move(transport)),
        key_(std::move(key)),
        full_key_(transport_->config().prefix + key_) {
    buffer_.reserve(transport_->config().part_size);
  }
  S3Writer(const S3Writer&) = delete;
  S3Writer& operator=(const S3Writer&) = delete;
  ~S3Writer() override { abort(); }

  void write(std::string_view bytes) override {
    if (done_) throw Error::internal_error("write after commit or abort");
    const std::size_t part_size = transport_->config().part_size;
    while (!bytes.empty()) {
      if (buffer_.size() == part_size) send_part();
      const std::size_t take = std::min(bytes.size(), part_size - buffer_.size());
      buffer_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      size_ += take;
    }
  }

  ObjectInfo commit() override {
    if (done_) throw Error::internal_error("commit after commit or abort");
    if (upload_id_.empty()) {
      S3Transport::Request put;
      put.method = "PUT";
      put.full_key = full_key_;
      put.body = buffer_;
      put.headers = {"Content-Type: application/octet-stream"};
      const auto answer = transport_->send(put);
      if (answer.status != 200) throw answer_error(*transport_, "PUT " + key_, answer);
    } else {
      send_part();
      std::string xml = "<CompleteMultipartUpload>";
      for (std::size_t i = 0; i < etags_.size(); ++i) {
        xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + etags_[i] +
               "</ETag></Part>";
      }
      xml += "</CompleteMultipartUpload>";
      S3Transport::Request complete;
      complete.method = "POST";
      complete.full_key = full_key_;
      complete.query = query_of({{"uploadId", upload_id_}});
      complete.body = xml;
      complete.headers = {"Content-Type: application/xml"};
      const auto answer = transport_->send(complete);
      // S3 may answer 200 with an <Error> body when completing fails late.
      if (answer.status != 200 || answer.body.find("<Error>") != std::string::npos) {
        throw answer_error(*transport_, "complete " + key_, answer);
      }
    }
    done_ = true;
    buffer_.clear();
    buffer_.shrink_to_fit();
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return {key_, size_, std::chrono::duration_cast<std::chrono::seconds>(now).count()};
  }

  void abort() noexcept override {
    if (done_) return;
    done_ = true;
    buffer_.clear();
    buffer_.shrink_to_fit();
    if (upload_id_.empty()) return;
    try {
      S3Transport::Request drop;
      drop.method = "DELETE";
      drop.full_key = full_key_;
      drop.query = query_of({{"uploadId", upload_id_}});
      static_cast<void>(transport_->send(drop));
    } catch (...) {
      // Left for drop_abandoned_uploads, which every backup run calls first.
      static_cast<void>(0);
    }
  }

 private:
  void start_multipart() {
    S3Transport::Request start;
    start.method = "POST";
    start.full_key = full_key_;
    start.query = query_of({{"uploads", ""}});
    start.headers = {"Content-Type: application/octet-stream"};
    const auto answer = transport_->send(start);
    if (answer.status != 200) throw answer_error(*transport_, "start upload of " + key_, answer);
    upload_id_ = xml_text(answer.body, "UploadId").value_or("");
    if (upload_id_.empty()) throw bad_answer("no UploadId starting " + key_);
  }

  void send_part() {
    if (upload_id_.empty()) start_multipart();
    if (static_cast<int>(etags_.size()) >= kMaxParts) {
      throw Error::invalid("object_too_large", "The object is larger than the object store takes.");
    }
    S3Transport::Request part;
    part.method = "PUT";
    part.full_key = full_key_;
    part.query =
        query_of({{"partNumber", std::to_string(etags_.size() + 1)}, {"uploadId", upload_id_}});
    part.body = buffer_;
    const auto answer = transport_->send(part);
    if (answer.status != 200 || answer.etag.empty()) {
      throw answer_error(*transport_, "upload part of " + key_, answer);
    }
    etags_.push_back(answer.etag);
    buffer_.clear();
  }

  std::shared_ptr<const S3Transport> transport_;
  std::string key_;
  std::string full_key_;
  std::string buffer_;
  std::string upload_id_;
  std::vector<std::string> etags_;
  std::uint64_t size_ = 0;
  bool done_ = false;
};

}  // namespace

S3ObjectStore::S3ObjectStore(S3Config config) {
  if (config.part_size < kMinPart || config.part_size > kMaxPart) {
    throw invalid_store("the part size must be 5 to 512 MiB");
  }
  if (config.attempts < 1) config.attempts = 1;
  transport_ = std::make_shared<const S3Transport>(std::move(config));
}

std::string S3ObjectStore::describe() const {
  const auto& config = transport_->config();
  return "s3://" + config.bucket + "/" + config.prefix;
}

std::unique_ptr<ObjectWriter> S3ObjectStore::create(std::string_view key) {
  check_key(key);
  return std::make_unique<S3Writer>(transport_, std::string(key));
}

void S3ObjectStore::get(std::string_view key, const ObjectSink& sink) {
  check_key(key);
  S3Transport::Request request;
  request.full_key = transport_->config().prefix + std::string(key);
  request.sink = &sink;
  const auto answer = transport_->send(request);
  if (answer.status == 404) throw Error::not_found("object_not_found", "No such object.");
  if (answer.status != 200 && answer.status != 206) {
    throw answer_error(*transport_, "GET " + std::string(key), answer);
  }
}

ObjectInfo S3ObjectStore::put_file(std::string_view key, const std::filesystem::path& file) {
  check_key(key);
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw Error::internal_error("cannot read " + file.string());
  // S3 takes up to 5 GiB in one PUT; beyond, the multipart writer.
  if (size > (std::uint64_t{5} << 30U)) return ObjectStore::put_file(key, file);
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> handle(std::fopen(file.c_str(), "rb"),
                                                               &std::fclose);
  if (!handle) throw Error::internal_error("cannot read " + file.string());
  S3Transport::Request put;
  put.method = "PUT";
  put.full_key = transport_->config().prefix + std::string(key);
  put.file = handle.get();
  put.file_size = size;
  put.headers = {"Content-Type: application/octet-stream"};
  const auto answer = transport_->send(put);
  if (answer.status != 200) throw answer_error(*transport_, "PUT " + std::string(key), answer);
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return {std::string(key), size, std::chrono::duration_cast<std::chrono::seconds>(now).count()};
}

std::optional<ObjectInfo> S3ObjectStore::head(std::string_view key) {
  check_key(key);
  S3Transport::Request request;
  request.method = "HEAD";
  request.full_key = transport_->config().prefix + std::string(key);
  const auto answer = transport_->send(request);
  if (answer.status == 404) return std::nullopt;
  if (answer.status != 200) throw answer_error(*transport_, "HEAD " + std::string(key), answer);
  return ObjectInfo{std::string(key), answer.content_length, answer.last_modified};
}

ObjectPage S3ObjectStore::list(std::string_view prefix, std::optional<std::string> cursor,
                               std::size_t limit) {
  if (limit == 0 || limit > 1000) throw Error::invalid("invalid_limit", "limit must be 1–1000.");
  const auto& config = transport_->config();
  std::vector<std::pair<std::string, std::string>> params{
      {"list-type", "2"},
      {"max-keys", std::to_string(limit)},
      {"prefix", config.prefix + std::string(prefix)}};
  if (cursor) params.emplace_back("start-after", config.prefix + *cursor);
  S3Transport::Request request;
  request.query = query_of(std::move(params));
  const auto answer = transport_->send(request);
  if (answer.status != 200) throw answer_error(*transport_, "list", answer);
  ObjectPage page;
  for (const auto block : xml_blocks(answer.body, "Contents")) {
    auto key = xml_text(block, "Key").value_or("");
    if (!key.starts_with(config.prefix)) continue;
    key.erase(0, config.prefix.size());
    page.items.push_back({std::move(key), parse_size(xml_text(block, "Size").value_or("0")),
                          parse_iso_time(xml_text(block, "LastModified").value_or(""))});
  }
  if (xml_text(answer.body, "IsTruncated").value_or("false") == "true" && !page.items.empty()) {
    page.next_cursor = page.items.back().key;
  }
  return page;
}

void S3ObjectStore::remove(std::string_view key) {
  check_key(key);
  S3Transport::Request request;
  request.method = "DELETE";
  request.full_key = transport_->config().prefix + std::string(key);
  const auto answer = transport_->send(request);
  if (answer.status != 204 && answer.status != 200 && answer.status != 404) {
    throw answer_error(*transport_, "DELETE " + std::string(key), answer);
  }
}

std::size_t S3ObjectStore::drop_abandoned_uploads(std::string_view prefix,
                                                  std::int64_t older_than_unix) {
  const auto& config = transport_->config();
  // ListMultipartUploads answers at most 1000 uploads a page; a bucket shared with other
  // writers may hold more. Bounded: a server that never stops paging is not followed forever.
  constexpr int kMaxPages = 1000;
  std::size_t dropped = 0;
  std::string key_marker;
  std::string upload_id_marker;
  for (int page = 0; page < kMaxPages; ++page) {
    std::vector<std::pair<std::string, std::string>> params{
        {"prefix", config.prefix + std::string(prefix)}, {"uploads", ""}};
    if (!key_marker.empty()) {
      params.emplace_back("key-marker", key_marker);
      params.emplace_back("upload-id-marker", upload_id_marker);
    }
    S3Transport::Request request;
    request.query = query_of(params);
    const auto answer = transport_->send(request);
    // A server without ListMultipartUploads (s3rver, some appliances) keeps nothing to list.
    if (answer.status == 501) return dropped;
    if (answer.status != 200) throw answer_error(*transport_, "list uploads", answer);
    for (const auto block : xml_blocks(answer.body, "Upload")) {
      const auto key = xml_text(block, "Key").value_or("");
      const auto upload_id = xml_text(block, "UploadId").value_or("");
      const auto initiated = parse_iso_time(xml_text(block, "Initiated").value_or(""));
      if (key.empty() || upload_id.empty() || initiated >= older_than_unix) continue;
      S3Transport::Request drop;
      drop.method = "DELETE";
      drop.full_key = key;
      drop.query = query_of({{"uploadId", upload_id}});
      const auto dropped_answer = transport_->send(drop);
      if (dropped_answer.status == 204 || dropped_answer.status == 200 ||
          dropped_answer.status == 404) {
        ++dropped;
      }
    }
    auto next_key = xml_text(answer.body, "NextKeyMarker").value_or("");
    if (xml_text(answer.body, "IsTruncated").value_or("false") != "true" || next_key.empty() ||
        next_key == key_marker) {
      break;
    }
    key_marker = std::move(next_key);
    upload_id_marker = xml_text(answer.body, "NextUploadIdMarker").value_or("");
  }
  return dropped;
}

}  // namespace dokkerr::objects
