#pragma once
// Seals secrets kept at rest (crypto::SecretBox in the program), so that a domain's store can
// keep a secret without depending on the crypto room. `context` names what the secret belongs
// to ("environment-tls-key:<id>"): a sealed value copied to another row does not open there.
#include <string>
#include <string_view>

namespace dokkerr {

class SecretSealer {
 public:
  virtual ~SecretSealer() = default;
  [[nodiscard]] virtual std::string seal(std::string_view plaintext,
                                         std::string_view context) const = 0;
  // Throws dokkerr::Error internal "secret_unreadable" when `sealed` does not open.
  [[nodiscard]] virtual std::string open(std::string_view sealed,
                                         std::string_view context) const = 0;
  // True for what seal() produces (anything else is a value stored before sealing began).
  [[nodiscard]] virtual bool is_sealed(std::string_view value) const = 0;
};

}  // namespace dokkerr
