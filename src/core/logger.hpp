#pragma once
// Structured logging: one JSON object per line on stderr (spdlog does the thread-safe output).
#include <boost/json/object.hpp>

#include <memory>
#include <string_view>

namespace spdlog {
class logger;
}

namespace dokkerr {

enum class LogLevel { debug, info, warn, error };

class Logger {
 public:
  explicit Logger(LogLevel threshold = LogLevel::info);
  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void log(LogLevel level, std::string_view message, boost::json::object fields = {});
  void debug(std::string_view message, boost::json::object fields = {}) {
    log(LogLevel::debug, message, std::move(fields));
  }
  void info(std::string_view message, boost::json::object fields = {}) {
    log(LogLevel::info, message, std::move(fields));
  }
  void warn(std::string_view message, boost::json::object fields = {}) {
    log(LogLevel::warn, message, std::move(fields));
  }
  void error(std::string_view message, boost::json::object fields = {}) {
    log(LogLevel::error, message, std::move(fields));
  }
  void flush();

 private:
  LogLevel threshold_;
  std::shared_ptr<spdlog::logger> sink_;  // spdlog's API hands out shared_ptr
};

// Parses "debug|info|warn|error"; std::nullopt-like failure is reported by returning false.
bool parse_log_level(std::string_view text, LogLevel& level);

}  // namespace dokkerr
