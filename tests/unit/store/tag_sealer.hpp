#pragma once
// A SecretSealer for store tests: seals visibly and reversibly, and refuses a value sealed for
// another context, as the program's SecretBox does.
#include "core/error.hpp"
#include "core/secret_sealer.hpp"

#include <string>
#include <string_view>

namespace dokkerr::store::testing {

class TagSealer final : public SecretSealer {
 public:
  std::string seal(std::string_view plaintext, std::string_view context) const override {
    return "sealed|" + std::string(context) + "|" +
           std::string(plaintext.rbegin(), plaintext.rend());
  }
  std::string open(std::string_view sealed, std::string_view context) const override {
    const std::string prefix = "sealed|" + std::string(context) + "|";
    if (!sealed.starts_with(prefix)) {
      throw Error(ErrorKind::internal, "secret_unreadable", "The secret does not open.");
    }
    const auto body = sealed.substr(prefix.size());
    return {body.rbegin(), body.rend()};
  }
  bool is_sealed(std::string_view value) const override { return value.starts_with("sealed|"); }
};

}  // namespace dokkerr::store::testing
