#pragma once
// The audit log archived to the object store: each archive holds the entries after the last one
// archived, as the export's JSON lines, gzip'd, under
//   audit/<first seq, 15 digits>.jsonl.gz   and beside it   audit/<first seq, 15 digits>.json
// (entries, first prev_hash, last hash, size, SHA-256; written last). Archives chain like the
// entries in them: the first entry of one names the last entry of the one before as its
// prev_hash, so verify() can walk every archive line by line, re-hashing each entry, and ends
// with the "seq:hash" anchor that `dokkerr admin verify-audit --anchor` checks the live log
// against. The live log is not trimmed; retention removes the oldest archives (the walk then
// starts at the oldest one kept).
#include "backup/backup_runs.hpp"
#include "core/blocking_pool.hpp"
#include "core/clock.hpp"
#include "objects/object_store.hpp"

#include <boost/asio/awaitable.hpp>

#include <functional>
#include <optional>

namespace dokkerr::backup {

struct AuditLine {
  std::int64_t seq = 0;
  std::string prev_hash;
  std::string hash;
};

// What archiving needs of the audit domain; implemented where the program is wired. Blocking.
class AuditSource {
 public:
  virtual ~AuditSource() = default;
  // Entries after after_seq, oldest first, at most limit, as export lines.
  virtual std::size_t export_after(
      std::int64_t after_seq, std::size_t limit,
      const std::function<void(const AuditLine&, std::string_view line)>& sink) = 0;
  // The line's entry with its hash computed again (not the hash the line claims); Error invalid
  // for a line that is not an export line.
  virtual AuditLine rehash(std::string_view line) = 0;
};

struct AuditArchiveReport {
  bool ok = true;
  std::int64_t archives = 0;
  std::int64_t entries = 0;
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;
  std::string anchor;  // "seq:hash" of the last archived entry ("" when none)
};

// Walks every archive in the store (blocking): the same check as AuditArchiver::verify().
AuditArchiveReport verify_audit_archives(objects::ObjectStore& store, AuditSource& source);

class AuditArchiver {
 public:
  AuditArchiver(BackupRunStore& runs, AuditSource& source, objects::ObjectStore& objects,
                BlockingPool& pool, const Clock& clock);

  // Archives what came since the last archive (nothing to do: a run that archived 0 entries and
  // wrote nothing). Recorded as a run of kind "audit".
  boost::asio::awaitable<BackupRun> archive(std::string actor_id);
  boost::asio::awaitable<AuditArchiveReport> verify();
  boost::asio::awaitable<std::vector<BackupRun>> runs(std::size_t limit);
  boost::asio::awaitable<void> remove(std::string run_id);

 private:
  BackupRunStore& runs_;
  AuditSource& source_;
  objects::ObjectStore& objects_;
  BlockingPool& pool_;
  const Clock& clock_;
};

}  // namespace dokkerr::backup
