// libFuzzer target for Compose files (src/stacks/compose_file.cpp) and what a parsed stack
// becomes on the engine (src/stacks/service_body.cpp): a stack's file, variables and env files
// come from its deployer. Byte 0 picks what the rest is:
//   0  a Compose file, parsed with two variables and one env file, then turned into bodies
//   1  one value to interpolate
//   2  a .env file
//   3  a command line to split
// Whatever comes in, the code must refuse with Error invalid (invalid_compose) or produce a
// project whose bodies build and whose hashes are stable; anything else aborts.
#include "core/error.hpp"
#include "stacks/compose_file.hpp"
#include "stacks/service_body.hpp"

#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using dokkerr::Error;
using dokkerr::ErrorKind;
namespace stacks = dokkerr::stacks;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_refusal(const Error& error) {
  check(error.kind() == ErrorKind::invalid);
  check(error.code() == "invalid_compose");
  check(!error.detail().empty() && error.detail().size() < 4096);
}

void check_project(std::string_view text) {
  stacks::ComposeInputs inputs{
      "fuzz", {{"TAG", "1.0"}, {"EMPTY", ""}}, {{"app.env", "A=1\nB=2\n"}}};
  stacks::ComposeLimits limits;
  limits.max_bytes = 64 * 1024;
  const auto project = stacks::parse_compose(text, inputs, limits);
  check(!project.services.empty());
  for (const auto& service : project.services) {
    check(!service.image.empty());
    for (int number = 1; number <= 2; ++number) {
      const auto body = stacks::container_body(project, service, number);
      check(body.contains("Image") && body.contains("HostConfig"));
      (void)boost::json::serialize(body);
    }
    check(stacks::config_hash(project, service) == stacks::config_hash(project, service));
  }
  for (const auto& network : project.networks) (void)stacks::network_body(project, network);
  for (const auto& volume : project.volumes) (void)stacks::volume_body(project, volume);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4U) {
      case 0:
        check_project(text);
        break;
      case 1:
        (void)stacks::interpolate(text, {{"SET", "v"}, {"EMPTY", ""}}, "value");
        break;
      case 2:
        (void)stacks::parse_dotenv(text, "fuzz.env");
        break;
      default:
        (void)stacks::split_command(text, "command");
        break;
    }
  } catch (const Error& error) {
    check_refusal(error);
  }
  return 0;
}
