#include "core/logger.hpp"

#include <boost/json/serialize.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <cstdio>

namespace dokkerr {
namespace {

std::string timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + length, sizeof text - length, ".%03dZ", static_cast<int>(millis));
  return text;
}

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::debug: return "debug";
    case LogLevel::info: return "info";
    case LogLevel::warn: return "warn";
    case LogLevel::error: return "error";
  }
  return "info";
}

}  // namespace

Logger::Logger(LogLevel threshold)
    : threshold_(threshold),
      sink_(std::make_shared<spdlog::logger>(
          "dokkerr", std::make_shared<spdlog::sinks::stderr_sink_mt>())) {
  sink_->set_pattern("%v");
  sink_->set_level(spdlog::level::trace);
  sink_->flush_on(spdlog::level::trace);
}

Logger::~Logger() = default;

void Logger::log(LogLevel level, std::string_view message, boost::json::object fields) {
  if (level < threshold_) {
    return;
  }
  boost::json::object line;
  line["ts"] = timestamp();
  line["level"] = level_name(level);
  line["msg"] = message;
  for (auto& field : fields) {
    line[field.key()] = std::move(field.value());
  }
  sink_->info(boost::json::serialize(line));
}

void Logger::flush() { sink_->flush(); }

bool parse_log_level(std::string_view text, LogLevel& level) {
  if (text == "debug") level = LogLevel::debug;
  else if (text == "info") level = LogLevel::info;
  else if (text == "warn") level = LogLevel::warn;
  else if (text == "error") level = LogLevel::error;
  else return false;
  return true;
}

}  // namespace dokkerr
