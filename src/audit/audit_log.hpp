#pragma once
// The audit log: an append-only, hash-chained record of who did what, kept in the audit_log
// table. Each entry carries the hash of the one before it, so changing, removing, inserting or
// reordering entries anywhere but at the very end breaks the chain, and verify() finds where.
//
// Hash of an entry: the lowercase hex SHA-256 of the UTF-8 bytes of this JSON array, written
// without any whitespace:
//
//   ["dokkerr.audit.v1", seq, at, actor_type, actor_id, actor_name, org_id, team_id, action,
//    target, result, client_address, request_id, detail, prev_hash]
//
// seq is a JSON integer in plain decimal; every other element is a JSON string, the text exactly
// as stored. Strings escape '"' as \" and '\' as \\, U+0008 U+0009 U+000A U+000C U+000D as
// \b \t \n \f \r, the other characters below U+0020 as \u00xx with lowercase hex, and leave
// every other character as its UTF-8 bytes (no \u escapes for non-ASCII, '/' unescaped). That is
// the output of JavaScript's JSON.stringify(array) and of Python's json.dumps(array,
// ensure_ascii=False, separators=(",", ":")). The genesis entry (seq 1) has prev_hash = 64 '0'
// characters; seq n+1 has prev_hash = hash of n.
//
// detail enters the array as a string: the stored text of the detail object, which append()
// writes in a canonical form that the same two calls reproduce from the parsed object (the
// "detail" of an exported line): no whitespace, strings escaped as above, object members in
// ECMAScript's order (array-index keys such as "80" first, ascending, then the others in the
// order received), a number whose value is an integer within ±(2^53 - 1) as plain decimal (2.0
// and 1e2 become 2 and 100), and any other number turned into a string holding its shortest
// round-trip form (C++ std::to_chars), since JSON tools disagree on how to write those. So from
// an export line L:
//   JavaScript  JSON.stringify(["dokkerr.audit.v1", L.seq, L.at, L.actor.type, ...,
//                               L.request_id, JSON.stringify(L.detail), L.prev_hash])
//   Python      dumps = lambda v: json.dumps(v, ensure_ascii=False, separators=(",", ":"))
//               dumps([..., dumps(L["detail"]), L["prev_hash"]])
// gives the text whose SHA-256 is L.hash.
//
// What the chain cannot do on its own: it has no key, so someone who can write the database can
// rewrite every entry from some point on and recompute the hashes, and cutting entries off the
// end leaves a shorter chain that is still valid. Both are caught only against an anchor kept
// elsewhere: record head() ("seq:hash") outside the database from time to time and pass it to
// verify(), which then reports when the chain no longer contains that entry unchanged.
//
// Calls block (run them on the BlockingPool); an AuditLog is as thread-safe as its Database.
#include "store/database.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dokkerr {
class Clock;
}

namespace dokkerr::audit {

// Bounds that keep one client from bloating the log.
inline constexpr std::size_t kMaxTextBytes = 512;     // each text field of AuditEvent
inline constexpr std::size_t kMaxDetailBytes = 8192;  // detail_json, as received and as stored
inline constexpr std::size_t kMaxPageSize = 1000;     // list() clamps its limit to 1..this

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// The PostgreSQL advisory lock append() takes inside its transaction so that appenders in
// several processes queue instead of forking the chain; the value is "dokaudit" in ASCII. Any
// other code that takes this key with pg_advisory_xact_lock serializes with audit appends.
inline constexpr std::int64_t kAppendLockKey = 7237121192533191028;

// The {} initializers let designated initializers name only the fields they set (-Wextra).
struct AuditEvent {
  std::string actor_type{};  // "user" | "api_key" | "system" | "anonymous"
  std::string actor_id{};
  std::string actor_name{};
  std::string org_id{};
  std::string team_id{};
  std::string action{};  // e.g. "auth.login", "containers.create"
  std::string target{};
  std::string result{};  // "success" | "failure" | "denied" | "intent" (before the act)
  std::string client_address{};
  std::string request_id{};
  std::string detail_json = "{}";  // a JSON object
};

struct AuditEntry {
  std::int64_t seq = 0;
  std::string at;  // RFC 3339 UTC with milliseconds, the appender's clock; seq is the order
  AuditEvent event;
  std::string prev_hash;
  std::string hash;
};

// Every set field must match; unset fields match anything. {} as on AuditEvent.
struct AuditFilter {
  std::optional<std::string> actor_id{};
  std::optional<std::string> action{};  // exact, or a prefix when it ends in '*' ("containers.*")
  std::optional<std::string> result{};
  std::optional<std::string> team_id{};
  std::optional<std::string> org_id{};
  // RFC 3339 date-times with any offset, both inclusive. Error invalid "invalid_time" otherwise.
  std::optional<std::string> since{};
  std::optional<std::string> until{};
};

struct ListPage {
  std::vector<AuditEntry> items;           // newest first
  std::optional<std::string> next_cursor;  // set when older matching entries remain
};

struct VerifyReport {
  bool ok = true;
  std::int64_t entries = 0;                   // entries found intact before the walk stopped
  std::optional<std::int64_t> first_bad_seq;  // where the chain breaks (a missing seq included)
  std::string problem;                        // empty when ok
};

// The text made valid UTF-8 (invalid bytes and NUL become U+FFFD) and cut to kMaxTextBytes at a
// character boundary: what append() does to each text field, and list() to each filter value so
// that a filter matches what was stored for the same input.
[[nodiscard]] std::string bounded_text(std::string_view text);

// The event as append() stores it: each text field through bounded_text(); detail_json in the
// canonical form described at the top of this file, "{}" when empty, {"truncated":true} when
// longer than kMaxDetailBytes and {"invalid_detail":true} when not a JSON object. Throws Error
// internal when actor_type or result is not one of the values listed on AuditEvent, or action is
// empty: those are bugs in the caller, not client input.
[[nodiscard]] AuditEvent normalize_event(AuditEvent event);

// The canonical serialization described at the top of this file, and its SHA-256 hex.
[[nodiscard]] std::string hash_input(const AuditEntry& entry);
[[nodiscard]] std::string entry_hash(const AuditEntry& entry);

// One entry as a JSON object, for the list endpoint and each line of the export:
// {"seq","at","actor":{"type","id","name"},"org_id","team_id","action","target","result",
//  "client_address","request_id","detail","prev_hash","hash"}, detail embedded as JSON (as a
// string only if the stored text no longer parses as an object, which verify() reports anyway).
[[nodiscard]] std::string to_json(const AuditEntry& entry);

// An export line (to_json) read back into the entry it was made from, with the detail in its
// stored canonical form, so entry_hash() of the result can be compared with the line's hash (the
// check of archived logs). Error invalid "invalid_audit_line" for anything else.
[[nodiscard]] AuditEntry parse_export_line(std::string_view line);

class AuditLog {
 public:
  // Entries are stamped with `clock` (the appender's clock; seq, not the stamp, is the order).
  AuditLog(store::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Normalizes the event (normalize_event), then in one transaction reads the last entry, and
  // writes the next one chained to it. Returns the entry as stored. A unique violation on seq
  // (an appender that skipped the lock) is retried a few times. Call it outside any transaction
  // of the caller's: joined to one, the advisory lock is held until that transaction ends and on
  // PostgreSQL a retry cannot run in the aborted transaction.
  AuditEntry append(const AuditEvent& event);

  // Matching entries, newest first, at most limit (clamped to 1..kMaxPageSize) per page. cursor
  // is "" for the first page, else a next_cursor from an earlier page with the same filter.
  // Errors: invalid "invalid_cursor", invalid "invalid_time".
  ListPage list(const AuditFilter& filter, std::size_t limit, std::string_view cursor);

  // Every matching entry, oldest first, as to_json lines each ending in '\n', one sink call per
  // line; reads in pages, so memory stays bounded whatever the size of the log. Exceptions from
  // sink propagate and stop the export.
  void export_jsonl(const AuditFilter& filter,
                    const std::function<void(std::string_view line)>& sink);

  // The entries after `after_seq`, oldest first, at most `limit`, each with its export line (no
  // newline): what an archive of the log takes. Returns how many were passed.
  std::size_t export_after(
      std::int64_t after_seq, std::size_t limit,
      const std::function<void(const AuditEntry&, std::string_view line)>& sink);

  // Walks the whole chain in seq order, in pages, and stops at the first problem: an entry whose
  // hash does not match its content, a seq gap (first_bad_seq is the first missing seq), a
  // prev_hash that is not the previous entry's hash, or an entry before seq 1. With an anchor
  // ("seq:hash" from head()), also fails when that entry is gone or different. A tail cut off
  // after the newest anchor is not detectable (see the top of this file).
  // Errors: invalid "invalid_anchor".
  VerifyReport verify(std::optional<std::string_view> anchor = std::nullopt);

  // "seq:hash" of the newest entry; "0:" followed by kGenesisHash when the log is empty.
  std::string head();

 private:
  store::Database& db_;
  const Clock& clock_;
};

}  // namespace dokkerr::audit
