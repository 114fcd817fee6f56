#pragma once
// Shared helpers for the policy tests: a member context of team-a that owns "mine", a
// body builder, and assertions on the error a call throws.
#include "core/error.hpp"
#include "policy/policy.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace dokkerr::policy::test {

inline CreateContext member_of_team_a() {
  CreateContext ctx;
  ctx.team_id = "team-a";
  ctx.container_team = [](std::string_view ref) -> std::optional<std::string> {
    if (ref == "mine" || ref == "/mine" || ref == "0123abcd") {
      return "team-a";
    }
    if (ref == "theirs") {
      return "team-b";
    }
    return std::nullopt;
  };
  return ctx;
}

inline CreateContext admin() {
  auto ctx = member_of_team_a();
  ctx.is_admin = true;
  return ctx;
}

// A create body with the given HostConfig object.
inline std::string with_host(std::string_view host_config) {
  return R"({"Image":"alpine","HostConfig":)" + std::string(host_config) + "}";
}

inline std::optional<Error> error_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& error) {
    return error;
  }
  return std::nullopt;
}

// The call throws an Error with this code whose detail contains `detail_part`.
inline ::testing::AssertionResult Throws(const std::function<void()>& call, std::string_view code,
                                         std::string_view detail_part = {}) {
  const auto error = error_of(call);
  if (!error) {
    return ::testing::AssertionFailure() << "no error thrown (expected " << code << ")";
  }
  if (error->code() != code) {
    return ::testing::AssertionFailure()
           << "code " << error->code() << " (expected " << code << "): " << error->detail();
  }
  if (error->detail().find(detail_part) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "detail '" << error->detail() << "' lacks '" << detail_part << "'";
  }
  if (code == "policy_denied" && error->kind() != ErrorKind::forbidden) {
    return ::testing::AssertionFailure() << "policy_denied must be forbidden";
  }
  if (code != "policy_denied" && error->kind() != ErrorKind::invalid) {
    return ::testing::AssertionFailure() << code << " must be invalid";
  }
  return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult Passes(const std::function<void()>& call) {
  const auto error = error_of(call);
  if (error) {
    return ::testing::AssertionFailure() << error->code() << ": " << error->detail();
  }
  return ::testing::AssertionSuccess();
}

inline std::function<void()> create(std::string body, Policy policy = {},
                                    CreateContext ctx = member_of_team_a()) {
  return [body = std::move(body), policy = std::move(policy), ctx = std::move(ctx)] {
    (void)check_container_create(body, policy, ctx);
  };
}

inline std::function<void()> create_host(std::string_view host_config, Policy policy = {},
                                         CreateContext ctx = member_of_team_a()) {
  return create(with_host(host_config), std::move(policy), std::move(ctx));
}

inline boost::json::value parsed(std::string_view text) {
  return boost::json::parse(text);
}

// A JSON string literal for `text` (quotes and backslashes escaped).
inline std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace dokkerr::policy::test
