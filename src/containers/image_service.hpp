#pragma once
#include "http/types.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>

namespace dokkerr::containers {

class EnvironmentService;

struct PullRequest {
  std::string image;
  std::string tag;
  std::optional<std::string> registry_auth;  // X-Registry-Auth value (base64url JSON)
};

// Parses {"image","tag"?,"auth"?:{"username","password","serveraddress"}}.
PullRequest parse_pull_request(const boost::json::object& body);

class ImageService {
 public:
  explicit ImageService(EnvironmentService& environments) : environments_(environments) {}

  boost::asio::awaitable<std::string> list(std::string env, bool all, bool dangling,
                                           std::optional<std::string> reference);
  boost::asio::awaitable<std::string> inspect(std::string env, std::string ref);
  boost::asio::awaitable<std::string> history(std::string env, std::string ref);
  boost::asio::awaitable<http::StreamingReply> pull(std::string env, PullRequest request);
  boost::asio::awaitable<void> tag(std::string env, std::string ref, std::string repo, std::string tag);
  boost::asio::awaitable<std::string> remove(std::string env, std::string ref, bool force, bool noprune);
  boost::asio::awaitable<std::string> prune(std::string env, std::optional<std::string> filters);
  boost::asio::awaitable<std::string> load(std::string env, std::string tarball);
  boost::asio::awaitable<http::StreamingReply> export_image(std::string env, std::string ref);
  boost::asio::awaitable<std::string> import_rootfs(std::string env, std::string tarball,
                                                    std::string repo, std::string tag);

 private:
  EnvironmentService& environments_;
};

// Checks a `filters` query value is a JSON object of string lists, as the engine expects.
void check_engine_filters(const std::string& filters);

}  // namespace dokkerr::containers
