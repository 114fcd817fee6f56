// What an entry is, independent of where it is stored: the bounds applied to events, the
// canonical serialization the chain hashes, and the JSON shape clients see.
#include "audit/audit_log.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace dokkerr::audit {
namespace {

constexpr std::string_view kHashVersion = "dokkerr.audit.v1";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view kTruncatedDetail = R"({"truncated":true})";
constexpr std::string_view kInvalidDetail = R"({"invalid_detail":true})";
// Beyond 2^53 - 1 JavaScript's numbers lose integers, so tools would write them differently.
constexpr std::int64_t kMaxSafeInteger = 9007199254740991;

// Length of the well-formed UTF-8 sequence starting at text[i], or 0 when there is none there
// (stray continuation byte, overlong form, surrogate, beyond U+10FFFF, cut short).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  char32_t code = 0;
  char32_t smallest = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code = lead & 0x1FU;
    smallest = 0x80;
  } else if ((lead & 0xF0U) == 0xE0) {
    length = 3;
    code = lead & 0x0FU;
    smallest = 0x800;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code = lead & 0x07U;
    smallest = 0x10000;
  } else {
    return 0;
  }
  if (text.size() - i < length) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto next = static_cast<unsigned char>(text[i + k]);
    if ((next & 0xC0U) != 0x80) return 0;
    code = (code << 6U) | (next & 0x3FU);
  }
  if (code < smallest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

// The string escaping of JSON.stringify, which the header documents for external verifiers.
void append_json_string(std::string& out, std::string_view text) {
  static constexpr std::array<char, 16> kHex = {'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += kHex[byte >> 4U];
          out += kHex[byte & 0x0FU];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool is_array_index(std::string_view key) {
  constexpr std::uint64_t kMaxArrayIndex = 4294967294;  // 2^32 - 2, ECMAScript's bound
  if (key.empty() || key.size() > 10 || (key.size() > 1 && key[0] == '0')) return false;
  std::uint64_t value = 0;
  for (const char c : key) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return value <= kMaxArrayIndex;
}

void append_canonical(std::string& out, const boost::json::value& value);

void append_number_as_string(std::string& out, double number) {
  std::array<char, 32> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), number);
  append_json_string(out, ec == std::errc{} ? std::string_view(buf.data(), end - buf.data())
                                            : std::string_view("NaN"));
}

void append_canonical_object(std::string& out, const boost::json::object& object) {
  // ECMAScript enumerates array-index keys first, ascending, then the others in insertion
  // order; writing them in that order makes JSON.stringify(JSON.parse(text)) give back text.
  std::vector<const boost::json::key_value_pair*> members;
  members.reserve(object.size());
  for (const auto& member : object) members.push_back(&member);
  const auto indexes_end = std::stable_partition(
      members.begin(), members.end(), [](const auto* m) { return is_array_index(m->key()); });
  std::sort(members.begin(), indexes_end, [](const auto* a, const auto* b) {
    return a->key().size() != b->key().size() ? a->key().size() < b->key().size()
                                              : a->key() < b->key();
  });
  out += '{';
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, members[i]->key());
    out += ':';
    append_canonical(out, members[i]->value());
  }
  out += '}';
}

void append_canonical(std::string& out, const boost::json::value& value) {
  switch (value.kind()) {
    case boost::json::kind::null:
      out += "null";
      return;
    case boost::json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      return;
    case boost::json::kind::int64: {
      const std::int64_t n = value.get_int64();
      if (n >= -kMaxSafeInteger && n <= kMaxSafeInteger) {
        out += std::to_string(n);
      } else {
        append_json_string(out, std::to_string(n));
      }
      return;
    }
    case boost::json::kind::uint64: {
      const std::uint64_t n = value.get_uint64();
      if (n <= static_cast<std::uint64_t>(kMaxSafeInteger)) {
        out += std::to_string(n);
      } else {
        append_json_string(out, std::to_string(n));
      }
      return;
    }
    case boost::json::kind::double_: {
      const double d = value.get_double();
      if (std::isfinite(d) && std::trunc(d) == d &&
          std::fabs(d) <= static_cast<double>(kMaxSafeInteger)) {
        out += std::to_string(static_cast<std::int64_t>(d));
      } else {
        append_number_as_string(out, d);
      }
      return;
    }
    case boost::json::kind::string:
      append_json_string(out, value.get_string());
      return;
    case boost::json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& element : value.get_array()) {
        if (!first) out += ',';
        first = false;
        append_canonical(out, element);
      }
      out += ']';
      return;
    }
    case boost::json::kind::object:
      append_canonical_object(out, value.get_object());
      return;
  }
}

std::string bound_detail(std::string_view detail) {
  if (detail.empty()) return "{}";
  // Checked before parsing, so that a huge detail is never parsed at all; input that would fit
  // only once compacted is rare enough to give up.
  if (detail.size() > kMaxDetailBytes) return std::string(kTruncatedDetail);
  boost::system::error_code ec;
  boost::json::parse_options options;
  options.max_depth = 32;
  const boost::json::value value = boost::json::parse(detail, ec, {}, options);
  if (ec || !value.is_object()) return std::string(kInvalidDetail);
  std::string canonical;
  append_canonical(canonical, value);
  // Numbers written as strings can be longer than they were, and the bound is on what is stored.
  if (canonical.size() > kMaxDetailBytes) return std::string(kTruncatedDetail);
  return canonical;
}

bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (const auto a : allowed) {
    if (value == a) return true;
  }
  return false;
}

}  // namespace

// PostgreSQL refuses both invalid UTF-8 and NUL in text, and a refused insert would lose the
// event; replacing keeps it. Stops reading once the output is full, so a huge input costs no
// more than a small one.
std::string bounded_text(std::string_view text) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t length = utf8_sequence_length(text, i);
    const std::string_view piece =
        length == 0 || text[i] == '\0' ? kReplacement : text.substr(i, length);
    if (out.size() + piece.size() > kMaxTextBytes) break;
    out += piece;
    i += length == 0 ? 1 : length;
  }
  return out;
}

AuditEvent normalize_event(AuditEvent event) {
  if (!one_of(event.actor_type, {"user", "api_key", "system", "anonymous"})) {
    throw Error::internal_error("audit: unknown actor_type \"" + bounded_text(event.actor_type) +
                                "\"");
  }
  if (!one_of(event.result, {"success", "failure", "denied", "intent"})) {
    throw Error::internal_error("audit: unknown result \"" + bounded_text(event.result) + "\"");
  }
  if (event.action.empty()) throw Error::internal_error("audit: event without an action");
  for (std::string* field :
       {&event.actor_type, &event.actor_id, &event.actor_name, &event.org_id, &event.team_id,
        &event.action, &event.target, &event.result, &event.client_address, &event.request_id}) {
    *field = bounded_text(*field);
  }
  event.detail_json = bound_detail(event.detail_json);
  return event;
}

std::string hash_input(const AuditEntry& entry) {
  const AuditEvent& e = entry.event;
  std::string out = "[";
  append_json_string(out, kHashVersion);
  out += ',';
  out += std::to_string(entry.seq);
  for (const std::string_view field :
       {std::string_view(entry.at), std::string_view(e.actor_type), std::string_view(e.actor_id),
        std::string_view(e.actor_name), std::string_view(e.org_id), std::string_view(e.team_id),
        std::string_view(e.action), std::string_view(e.target), std::string_view(e.result),
        std::string_view(e.client_address), std::string_view(e.request_id),
        std::string_view(e.detail_json), std::string_view(entry.prev_hash)}) {
    out += ',';
    append_json_string(out, field);
  }
  out += ']';
  return out;
}

std::string entry_hash(const AuditEntry& entry) {
  return crypto::sha256_hex(hash_input(entry));
}

std::string to_json(const AuditEntry& entry) {
  const AuditEvent& e = entry.event;
  boost::json::object actor;
  actor["type"] = e.actor_type;
  actor["id"] = e.actor_id;
  actor["name"] = e.actor_name;

  boost::system::error_code ec;
  boost::json::value detail = boost::json::parse(e.detail_json, ec);
  if (ec || !detail.is_object()) detail = e.detail_json;

  boost::json::object out;
  out["seq"] = entry.seq;
  out["at"] = entry.at;
  out["actor"] = std::move(actor);
  out["org_id"] = e.org_id;
  out["team_id"] = e.team_id;
  out["action"] = e.action;
  out["target"] = e.target;
  out["result"] = e.result;
  out["client_address"] = e.client_address;
  out["request_id"] = e.request_id;
  out["detail"] = std::move(detail);
  out["prev_hash"] = entry.prev_hash;
  out["hash"] = entry.hash;
  return boost::json::serialize(out);
}

AuditEntry parse_export_line(std::string_view line) {
  const auto refuse = [] {
    return Error::invalid("invalid_audit_line", "Not a line of Dokkerr's audit log export.");
  };
  boost::system::error_code ec;
  const boost::json::value value = boost::json::parse(line, ec);
  if (ec || !value.is_object()) throw refuse();
  try {
    const auto& o = value.as_object();
    const auto text = [](const boost::json::value& v) { return std::string(v.as_string()); };
    AuditEntry entry;
    entry.seq = o.at("seq").as_int64();
    entry.at = text(o.at("at"));
    const auto& actor = o.at("actor").as_object();
    AuditEvent& e = entry.event;
    e.actor_type = text(actor.at("type"));
    e.actor_id = text(actor.at("id"));
    e.actor_name = text(actor.at("name"));
    e.org_id = text(o.at("org_id"));
    e.team_id = text(o.at("team_id"));
    e.action = text(o.at("action"));
    e.target = text(o.at("target"));
    e.result = text(o.at("result"));
    e.client_address = text(o.at("client_address"));
    e.request_id = text(o.at("request_id"));
    const auto& detail = o.at("detail");
    // An object is brought back to the canonical text it was stored as; a string is that text.
    e.detail_json =
        detail.is_string() ? text(detail) : bound_detail(boost::json::serialize(detail));
    entry.prev_hash = text(o.at("prev_hash"));
    entry.hash = text(o.at("hash"));
    return entry;
  } catch (const Error&) {
    throw;
  } catch (const std::exception&) {
    throw refuse();
  }
}

}  // namespace dokkerr::audit
