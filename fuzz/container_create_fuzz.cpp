// libFuzzer target for the container security policy's body parser (src/policy): create bodies
// come from any team member and are rebuilt from what was parsed before the engine sees them.
//
// Input layout: byte 0 picks the caller and the body kind (bit 0: admin; bits 1-2: container,
// volume or network create), the rest is the body. Properties checked on every input:
//   - refusals are invalid (400) or policy_denied (403) errors with a known code, never a crash;
//   - an accepted container body is a fixed point: checking the rebuilt body again (without the
//     team label the first pass added) gives the same bytes back;
//   - for a non-admin under the default policy, the rebuilt body is never privileged and carries
//     the caller's team label.
#include "core/error.hpp"
#include "policy/policy.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using dokkerr::Error;
using dokkerr::ErrorKind;
namespace policy = dokkerr::policy;

void check(bool ok) {
  if (!ok) std::abort();
}

void check_refusal(const Error& error) {
  const auto& code = error.code();
  if (error.kind() == ErrorKind::forbidden) {
    check(code == "policy_denied");
    return;
  }
  check(error.kind() == ErrorKind::invalid);
  check(code == "invalid_json" || code == "invalid_body" || code == "duplicate_key" ||
        code == "unknown_field" || code == "reserved_label");
}

void check_container(std::string_view body, bool admin) {
  policy::CreateContext context;
  context.is_admin = admin;
  context.team_id = admin ? "" : "team-a";
  context.container_team = [](std::string_view ref) -> std::optional<std::string> {
    if (ref == "mine") return "team-a";
    return std::nullopt;
  };
  const policy::Policy rules;
  std::string rebuilt;
  try {
    rebuilt = policy::check_container_create(body, rules, context);
  } catch (const Error& error) {
    check_refusal(error);
    return;
  }
  auto value = boost::json::parse(rebuilt);
  check(value.is_object());
  auto& object = value.as_object();
  if (!admin) {
    const auto* labels = object.if_contains("Labels");
    check(labels != nullptr && labels->is_object());
    const auto* team = labels->as_object().if_contains(policy::kTeamLabel);
    check(team != nullptr && team->is_string() && team->as_string() == "team-a");
    if (const auto* host = object.if_contains("HostConfig"); host != nullptr && host->is_object()) {
      const auto* privileged = host->as_object().if_contains("Privileged");
      check(privileged == nullptr || !privileged->is_bool() || !privileged->as_bool());
    }
    object["Labels"].as_object().erase(policy::kTeamLabel);
  }
  const auto again = policy::check_container_create(boost::json::serialize(value), rules, context);
  check(again == rebuilt);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const bool admin = (data[0] & 1U) != 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const policy::Policy rules;
  try {
    switch ((data[0] >> 1U) % 3U) {
      case 0: check_container(body, admin); break;
      case 1: (void)policy::check_volume_create(body, rules, admin, admin ? "" : "team-a"); break;
      default: (void)policy::check_network_create(body, rules, admin, admin ? "" : "team-a"); break;
    }
  } catch (const Error& error) {
    check_refusal(error);
  }
  return 0;
}
