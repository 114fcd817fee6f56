#include "audit/audit_log.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <string>
#include <utility>

namespace dokkerr::audit {
namespace {

constexpr int kMaxAppendAttempts = 5;
constexpr std::int64_t kVerifyPageSize = 500;
constexpr std::int64_t kExportPageSize = 500;
constexpr std::string_view kCursorPrefix = "audit-seq:";

constexpr std::string_view kColumns =
    "seq, at, actor_type, actor_id, actor_name, org_id, team_id, action, target, result, "
    "client_address, request_id, detail, prev_hash, hash";

// seq is compared with a BIGINT parameter everywhere: the column is INTEGER (32 bits on
// PostgreSQL), and a parameter typed after it would turn a large client-supplied cursor into an
// out-of-range error instead of an empty page.
constexpr std::string_view kSeqAfter = "seq > CAST(? AS BIGINT)";
constexpr std::string_view kSeqBefore = "seq < CAST(? AS BIGINT)";

AuditEntry to_entry(const store::Row& row) {
  AuditEntry entry;
  entry.seq = row.integer(0);
  entry.at = row.text(1);
  entry.event.actor_type = row.text(2);
  entry.event.actor_id = row.text(3);
  entry.event.actor_name = row.text(4);
  entry.event.org_id = row.text(5);
  entry.event.team_id = row.text(6);
  entry.event.action = row.text(7);
  entry.event.target = row.text(8);
  entry.event.result = row.text(9);
  entry.event.client_address = row.text(10);
  entry.event.request_id = row.text(11);
  entry.event.detail_json = row.text(12);
  entry.prev_hash = row.text(13);
  entry.hash = row.text(14);
  return entry;
}

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Reads an RFC 3339 date-time (any offset, any number of fraction digits) and rewrites it in the
// stored form, so that it compares with `at` as text. Fractions beyond milliseconds are cut, as
// format_rfc3339 cuts the stored stamps.
std::optional<std::string> stored_time(std::string_view text) {
  constexpr std::size_t kSecondsEnd = 19;  // "YYYY-MM-DDTHH:MM:SS"
  if (text.size() < kSecondsEnd + 1) return std::nullopt;
  const auto number = [&](std::size_t at, std::size_t width) {
    return parse_int(text.substr(at, width));
  };
  const auto year = number(0, 4);
  const auto month = number(5, 2);
  const auto day = number(8, 2);
  const auto hour = number(11, 2);
  const auto minute = number(14, 2);
  const auto second = number(17, 2);
  const char t = text[10];
  if (!year || !month || !day || !hour || !minute || !second || text[4] != '-' || text[7] != '-' ||
      (t != 'T' && t != 't' && t != ' ') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  std::size_t pos = kSecondsEnd;
  std::int64_t millis = 0;
  if (text[pos] == '.') {
    const std::size_t start = ++pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - start < 3) millis = millis * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return std::nullopt;
    for (std::size_t digits = pos - start; digits < 3; ++digits) millis *= 10;
  }
  if (pos >= text.size()) return std::nullopt;
  std::int64_t offset_minutes = 0;
  const std::string_view zone = text.substr(pos);
  if (zone != "Z" && zone != "z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':') {
      return std::nullopt;
    }
    const auto zone_hour = parse_int(zone.substr(1, 2));
    const auto zone_minute = parse_int(zone.substr(4, 2));
    if (!zone_hour || !zone_minute || *zone_hour > 23 || *zone_minute > 59) return std::nullopt;
    offset_minutes = (*zone_hour * 60 + *zone_minute) * (zone[0] == '-' ? -1 : 1);
  }
  namespace chrono = std::chrono;
  const chrono::year_month_day date{chrono::year{static_cast<int>(*year)},
                                    chrono::month{static_cast<unsigned>(*month)},
                                    chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;
  const auto instant = chrono::sys_days{date} + chrono::hours{*hour} + chrono::minutes{*minute} +
                       chrono::seconds{*second} + chrono::milliseconds{millis} -
                       chrono::minutes{offset_minutes};
  return format_rfc3339(instant);
}

std::string time_bound(const std::string& value, std::string_view name) {
  auto stored = stored_time(value);
  if (!stored) {
    throw Error::invalid("invalid_time", "'" + std::string(name) +
                                             "' must be an RFC 3339 date-time such as "
                                             "2026-01-31T12:00:00Z.");
  }
  return std::move(*stored);
}

std::string encode_cursor(std::int64_t seq) {
  return crypto::base64url_encode(std::string(kCursorPrefix) + std::to_string(seq));
}

std::int64_t decode_cursor(std::string_view cursor) {
  const auto invalid = [] {
    return Error::invalid("invalid_cursor",
                          "The cursor is not one this server handed out; start from the first "
                          "page.");
  };
  // A cursor carries at most a prefix and 19 digits; refuse long input before decoding it.
  if (cursor.size() > 64) throw invalid();
  const auto text = crypto::base64url_decode(cursor);
  if (!text || !text->starts_with(kCursorPrefix)) throw invalid();
  const auto seq = parse_int(std::string_view(*text).substr(kCursorPrefix.size()));
  if (!seq || *seq < 1) throw invalid();
  return *seq;
}

// WHERE conditions for a filter, joined by AND, with their parameters appended to params.
std::string conditions(const AuditFilter& filter, std::vector<store::Value>& params) {
  std::string sql;
  const auto add = [&](std::string_view condition, store::Value value) {
    sql += sql.empty() ? "" : " AND ";
    sql += condition;
    params.push_back(std::move(value));
  };
  if (filter.actor_id) add("actor_id = ?", bounded_text(*filter.actor_id));
  if (filter.action) {
    const std::string& action = *filter.action;
    if (action.ends_with('*')) {
      // substr counts characters on both backends, while LIKE would need escaping and is
      // case-insensitive on SQLite only.
      const std::string prefix =
          bounded_text(std::string_view(action).substr(0, action.size() - 1));
      if (!prefix.empty()) {
        const auto characters = std::count_if(prefix.begin(), prefix.end(), [](char c) {
          return (static_cast<unsigned char>(c) & 0xC0U) != 0x80;
        });
        add("substr(action, 1, CAST(? AS INTEGER)) = ?", std::int64_t{characters});
        params.emplace_back(prefix);
      }
    } else {
      add("action = ?", bounded_text(action));
    }
  }
  if (filter.result) add("result = ?", bounded_text(*filter.result));
  if (filter.team_id) add("team_id = ?", bounded_text(*filter.team_id));
  if (filter.org_id) add("org_id = ?", bounded_text(*filter.org_id));
  if (filter.since) add("at >= ?", time_bound(*filter.since, "since"));
  // Inclusive, so that an until copied from an entry's own stamp keeps that entry.
  if (filter.until) add("at <= ?", time_bound(*filter.until, "until"));
  return sql;
}

std::string where(const std::string& filter_sql, std::string_view seq_condition) {
  std::string sql = " WHERE ";
  sql += seq_condition;
  if (!filter_sql.empty()) sql += " AND " + filter_sql;
  return sql;
}

VerifyReport broken(VerifyReport report, std::int64_t seq, std::string problem) {
  report.ok = false;
  report.first_bad_seq = seq;
  report.problem = std::move(problem);
  return report;
}

struct Anchor {
  std::int64_t seq = 0;
  std::string hash;
};

Anchor parse_anchor(std::string_view text) {
  const auto invalid = [] {
    return Error::invalid("invalid_anchor",
                          "The anchor must be \"seq:hash\" as the audit log's head reports it.");
  };
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) throw invalid();
  const auto seq = parse_int(text.substr(0, colon));
  const std::string_view hash = text.substr(colon + 1);
  const bool hex =
      hash.size() == kGenesisHash.size() && std::all_of(hash.begin(), hash.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
      });
  if (!seq || !hex || (*seq == 0 && hash != kGenesisHash)) throw invalid();
  return {*seq, std::string(hash)};
}

}  // namespace

AuditEntry AuditLog::append(const AuditEvent& event) {
  AuditEntry entry;
  entry.event = normalize_event(event);
  const std::string lock = "SELECT pg_advisory_xact_lock(" + std::to_string(kAppendLockKey) + ")";
  for (int attempt = 1;; ++attempt) {
    try {
      db_.transaction([&](store::Database& tx) {
        // SQLite needs no lock of its own: transaction() begins IMMEDIATE, which already holds
        // the write lock of the file. On PostgreSQL the lock ends with the transaction.
        if (tx.backend() == "postgres") (void)tx.query(lock);
        const auto last = tx.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
        if (last.empty()) {
          entry.seq = 1;
          entry.prev_hash = kGenesisHash;
        } else {
          const std::int64_t last_seq = last.front().integer(0);
          if (last_seq == std::numeric_limits<std::int64_t>::max()) {
            throw Error::internal_error("audit: seq is exhausted");
          }
          entry.seq = last_seq + 1;
          entry.prev_hash = last.front().text(1);
        }
        // Stamped under the lock, so that on one host time order follows seq order.
        entry.at = clock_.stamp();
        entry.hash = entry_hash(entry);
        const AuditEvent& e = entry.event;
        tx.execute("INSERT INTO audit_log (" + std::string(kColumns) +
                       ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   {entry.seq, entry.at, e.actor_type, e.actor_id, e.actor_name, e.org_id,
                    e.team_id, e.action, e.target, e.result, e.client_address, e.request_id,
                    e.detail_json, entry.prev_hash, entry.hash});
      });
      return entry;
    } catch (const Error& e) {
      if (e.code() != "unique_violation" || attempt >= kMaxAppendAttempts) throw;
    }
  }
}

ListPage AuditLog::list(const AuditFilter& filter, std::size_t limit, std::string_view cursor) {
  limit = std::clamp<std::size_t>(limit, 1, kMaxPageSize);
  const std::int64_t before =
      cursor.empty() ? std::numeric_limits<std::int64_t>::max() : decode_cursor(cursor);
  std::vector<store::Value> params{before};
  const std::string filter_sql = conditions(filter, params);
  // One row more than asked tells whether another page exists.
  params.emplace_back(static_cast<std::int64_t>(limit) + 1);
  auto rows = db_.query("SELECT " + std::string(kColumns) + " FROM audit_log" +
                            where(filter_sql, kSeqBefore) + " ORDER BY seq DESC LIMIT ?",
                        params);
  ListPage page;
  const bool more = rows.size() > limit;
  if (more) rows.erase(rows.begin() + static_cast<std::ptrdiff_t>(limit), rows.end());
  page.items.reserve(rows.size());
  for (const auto& row : rows) page.items.push_back(to_entry(row));
  if (more) page.next_cursor = encode_cursor(page.items.back().seq);
  return page;
}

void AuditLog::export_jsonl(const AuditFilter& filter,
                            const std::function<void(std::string_view line)>& sink) {
  std::vector<store::Value> filter_params;
  const std::string filter_sql = conditions(filter, filter_params);
  const std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log" +
                          where(filter_sql, kSeqAfter) + " ORDER BY seq LIMIT ?";
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    std::vector<store::Value> params{after};
    params.insert(params.end(), filter_params.begin(), filter_params.end());
    params.emplace_back(kExportPageSize);
    const auto rows = db_.query(sql, params);
    for (const auto& row : rows) {
      const AuditEntry entry = to_entry(row);
      std::string line = to_json(entry);
      line += '\n';
      sink(line);
      after = entry.seq;
    }
    if (static_cast<std::int64_t>(rows.size()) < kExportPageSize) return;
  }
}

std::size_t AuditLog::export_after(
    std::int64_t after_seq, std::size_t limit,
    const std::function<void(const AuditEntry&, std::string_view line)>& sink) {
  const std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log WHERE " +
                          std::string(kSeqAfter) + " ORDER BY seq LIMIT ?";
  std::size_t passed = 0;
  while (passed < limit) {
    const auto page =
        std::min<std::int64_t>(kExportPageSize, static_cast<std::int64_t>(limit - passed));
    const auto rows = db_.query(sql, {after_seq, page});
    for (const auto& row : rows) {
      const AuditEntry entry = to_entry(row);
      sink(entry, to_json(entry));
      after_seq = entry.seq;
      ++passed;
    }
    if (static_cast<std::int64_t>(rows.size()) < page) break;
  }
  return passed;
}

VerifyReport AuditLog::verify(std::optional<std::string_view> anchor_text) {
  std::optional<Anchor> anchor;
  if (anchor_text) anchor = parse_anchor(*anchor_text);
  bool anchor_seen = anchor && anchor->seq == 0;  // the empty log's head is in every chain

  VerifyReport report;
  std::int64_t last_seq = 0;
  std::string last_hash(kGenesisHash);
  // Starts below every possible seq, so that rows planted at seq <= 0 are seen too.
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  const std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log WHERE " +
                          std::string(kSeqAfter) + " ORDER BY seq LIMIT ?";
  for (;;) {
    const auto rows = db_.query(sql, {after, kVerifyPageSize});
    for (const auto& row : rows) {
      const AuditEntry entry = to_entry(row);
      after = entry.seq;
      if (entry.seq <= last_seq) {
        return broken(report, entry.seq,
                      "entry " + std::to_string(entry.seq) + " comes before the first entry (1)");
      }
      if (entry.seq != last_seq + 1) {
        const std::int64_t missing = last_seq + 1;
        return broken(report, missing,
                      missing == entry.seq - 1
                          ? "entry " + std::to_string(missing) + " is missing"
                          : "entries " + std::to_string(missing) + " to " +
                                std::to_string(entry.seq - 1) + " are missing");
      }
      if (entry.prev_hash != last_hash) {
        return broken(report, entry.seq,
                      "the prev_hash of entry " + std::to_string(entry.seq) +
                          " is not the hash of entry " + std::to_string(last_seq) +
                          ": an entry was removed, inserted or rewritten");
      }
      if (entry_hash(entry) != entry.hash) {
        return broken(report, entry.seq,
                      "the hash of entry " + std::to_string(entry.seq) +
                          " does not match its content: the entry was changed");
      }
      if (anchor && entry.seq == anchor->seq) {
        if (entry.hash != anchor->hash) {
          return broken(report, entry.seq,
                        "entry " + std::to_string(entry.seq) +
                            " differs from the anchor: the chain was rewritten up to here");
        }
        anchor_seen = true;
      }
      last_seq = entry.seq;
      last_hash = entry.hash;
      ++report.entries;
    }
    if (static_cast<std::int64_t>(rows.size()) < kVerifyPageSize) break;
  }
  if (anchor && !anchor_seen) {
    return broken(report, last_seq + 1,
                  "the log ends at entry " + std::to_string(last_seq) +
                      " but the anchor is entry " + std::to_string(anchor->seq) +
                      ": entries were removed from the end");
  }
  return report;
}

std::string AuditLog::head() {
  const auto rows = db_.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
  if (rows.empty()) return "0:" + std::string(kGenesisHash);
  return std::to_string(rows.front().integer(0)) + ":" + rows.front().text(1);
}

}  // namespace dokkerr::audit
