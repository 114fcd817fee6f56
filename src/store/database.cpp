#include "store/database.hpp"

#include "core/error.hpp"
#include "store/postgres_database.hpp"
#include "store/sqlite_database.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <system_error>

namespace dokkerr::store {
namespace {

std::string format_double(double d) {
  std::array<char, 32> buf{};
  // Shortest text that reads back as the same double.
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (ec != std::errc{}) return std::to_string(d);
  return {buf.data(), end};
}

std::optional<std::int64_t> parse_integer(std::string_view s) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc{} && ptr == s.data() + s.size()) return v;
  return std::nullopt;
}

std::optional<std::int64_t> truncate_double(double d) {
  // 2^63 is exactly representable; anything at or beyond it does not fit.
  constexpr double limit = 9223372036854775808.0;
  if (!std::isfinite(d) || d >= limit || d < -limit) return std::nullopt;
  return static_cast<std::int64_t>(d);
}

std::optional<std::int64_t> parse_integer_text(std::string_view s) {
  if (auto v = parse_integer(s)) return v;
  // PostgreSQL returns NUMERIC (SUM, AVG of integers) as text such as "12.000".
  double d = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec == std::errc{} && ptr == s.data() + s.size()) return truncate_double(d);
  return std::nullopt;
}

Error invalid_url(std::string detail) {
  return Error::invalid("invalid_database_url", std::move(detail));
}

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::filesystem::path sqlite_path(std::string_view rest, const std::filesystem::path& data_dir) {
  if (rest.empty() || rest == "/") {
    throw invalid_url(
        "A sqlite database url needs a file name: sqlite:///absolute/path.db or "
        "sqlite://relative.db.");
  }
  // A query or fragment would silently become part of the file name; refuse it instead.
  if (rest.find_first_of("?#") != std::string_view::npos) {
    throw invalid_url("A sqlite database url takes no query parameters.");
  }
  if (rest.back() == '/')
    throw invalid_url("A sqlite database url must name a file, not a directory.");
  std::filesystem::path path{std::string(rest)};
  if (path.is_absolute()) return path;
  return data_dir / path;
}

}  // namespace

bool Row::is_null(std::size_t i) const {
  return std::holds_alternative<std::nullptr_t>(value(i));
}

std::string Row::text(std::size_t i) const {
  const Value& v = value(i);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* n = std::get_if<std::int64_t>(&v)) return std::to_string(*n);
  if (const auto* d = std::get_if<double>(&v)) return format_double(*d);
  if (const auto* b = std::get_if<Bytes>(&v)) return b->data;
  return {};
}

std::optional<std::string> Row::optional_text(std::size_t i) const {
  if (is_null(i)) return std::nullopt;
  return text(i);
}

std::int64_t Row::integer(std::size_t i) const {
  const Value& v = value(i);
  if (const auto* n = std::get_if<std::int64_t>(&v)) return *n;
  if (std::holds_alternative<std::nullptr_t>(v)) return 0;
  if (const auto* d = std::get_if<double>(&v)) {
    if (auto t = truncate_double(*d)) return *t;
    throw Error::internal_error("column " + std::to_string(i) + " holds a double (" +
                                format_double(*d) + ") that does not fit an integer");
  }
  const auto* s_ptr = std::get_if<std::string>(&v);
  if (s_ptr == nullptr) throw Error::internal_error("column " + std::to_string(i) + " holds bytes");
  const auto& s = *s_ptr;
  if (auto parsed = parse_integer_text(s)) return *parsed;
  throw Error::internal_error("column " + std::to_string(i) + " holds text that is not an integer");
}

std::string redact_database_url(std::string_view url) {
  std::string out(url);
  const auto scheme_end = out.find("://");
  if (scheme_end == std::string::npos) return out;
  const auto authority = scheme_end + 3;
  const auto authority_end = out.find_first_of("/?#", authority);
  const auto at = out.rfind('@', authority_end == std::string::npos ? out.size() : authority_end);
  if (at != std::string::npos && at >= authority) {
    const auto colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.erase(colon, at - colon);
  }
  // libpq also takes the password as a query parameter.
  const auto query = out.find('?');
  if (query != std::string::npos) {
    std::string kept;
    std::string_view params = std::string_view(out).substr(query + 1);
    while (!params.empty()) {
      const auto amp = params.find('&');
      const auto param = params.substr(0, amp);
      if (lowercase(param.substr(0, 9)) != "password=") {
        if (!kept.empty()) kept += '&';
        kept += param;
      }
      if (amp == std::string_view::npos) break;
      params.remove_prefix(amp + 1);
    }
    out.erase(query);
    if (!kept.empty()) out += "?" + kept;
  }
  return out;
}

std::unique_ptr<Database> open_database(std::string_view url,
                                        const std::filesystem::path& data_dir) {
  if (url.empty()) {
    throw invalid_url("No database url given; use sqlite:///path.db or postgres://host/dbname.");
  }
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    throw invalid_url("The database url must start with sqlite:// or postgres://.");
  }
  const std::string scheme = lowercase(url.substr(0, sep));
  std::unique_ptr<Database> db;
  if (scheme == "sqlite") {
    db = open_sqlite_database(sqlite_path(url.substr(sep + 3), data_dir));
  } else if (scheme == "postgres" || scheme == "postgresql") {
    db = open_postgres_database(url);
  } else {
    // Echo the scheme only when it looks like one: the text before :// may be anything.
    const bool printable =
        scheme.size() <= 16 &&
        scheme.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789+.-") == std::string::npos;
    throw invalid_url((printable ? "Unsupported database url scheme \"" + scheme + "\""
                                 : std::string("Unsupported database url scheme")) +
                      "; use sqlite:// or postgres://.");
  }
  migrate(*db);
  return db;
}

}  // namespace dokkerr::store
