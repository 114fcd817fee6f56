#pragma once
#include <stdexcept>
#include <string>

namespace dokkerr::app {

// A startup setting is wrong; the message names it.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(const std::string& setting, const std::string& problem)
      : std::runtime_error(setting + ": " + problem), setting_(setting) {}
  [[nodiscard]] const std::string& setting() const { return setting_; }

 private:
  std::string setting_;
};

}  // namespace dokkerr::app
