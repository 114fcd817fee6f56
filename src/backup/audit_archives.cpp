#include "backup/audit_archives.hpp"

#include "backup/gzip_stream.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>

namespace dokkerr::backup {
namespace {

namespace asio = boost::asio;
namespace bj = boost::json;

constexpr std::string_view kPrefix = "audit/";
constexpr std::size_t kMaxEntriesPerArchive = 1'000'000;
constexpr std::size_t kMaxManifestBytes = 64 * 1024;
constexpr std::string_view kGenesis =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct ArchiveManifest {
  std::string key;  // the archive's
  std::int64_t first_seq = 0;
  std::int64_t last_seq = 0;
  std::string first_prev_hash;
  std::string last_hash;
  std::int64_t size = 0;
  std::string sha256;
};

std::string stem_of(std::int64_t first_seq) {
  std::array<char, 32> text{};
  std::snprintf(text.data(), text.size(), "%015lld", static_cast<long long>(first_seq));
  return std::string(kPrefix) + text.data();
}

ArchiveManifest parse_manifest_text(const std::string& text) {
  try {
    const auto o = bj::parse(text).as_object();
    ArchiveManifest m;
    m.key = o.at("archive").as_string();
    m.first_seq = o.at("first_seq").as_int64();
    m.last_seq = o.at("last_seq").as_int64();
    m.first_prev_hash = o.at("first_prev_hash").as_string();
    m.last_hash = o.at("last_hash").as_string();
    m.size = o.at("size").as_int64();
    m.sha256 = o.at("sha256").as_string();
    return m;
  } catch (const std::exception& e) {
    throw Error{ErrorKind::invalid, "backup_corrupt", "An audit archive's description is damaged.",
                e.what()};
  }
}

// The keys of every archive description in the store, oldest first (they sort by sequence).
std::vector<std::string> manifest_keys(objects::ObjectStore& store) {
  std::vector<std::string> keys;
  std::optional<std::string> cursor;
  do {
    const auto page = store.list(kPrefix, cursor, 1000);
    for (const auto& item : page.items) {
      if (item.key.ends_with(".json")) keys.push_back(item.key);
    }
    cursor = page.next_cursor;
  } while (cursor);
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Every archive description in the store, oldest first.
std::vector<ArchiveManifest> manifests(objects::ObjectStore& store) {
  std::vector<ArchiveManifest> out;
  for (const auto& key : manifest_keys(store))
    out.push_back(parse_manifest_text(store.get_all(key, kMaxManifestBytes)));
  return out;
}

// The newest description only: where the next archive begins.
std::optional<ArchiveManifest> last_manifest(objects::ObjectStore& store) {
  const auto keys = manifest_keys(store);
  if (keys.empty()) return std::nullopt;
  return parse_manifest_text(store.get_all(keys.back(), kMaxManifestBytes));
}

}  // namespace

AuditArchiver::AuditArchiver(BackupRunStore& runs, AuditSource& source,
                             objects::ObjectStore& objects, BlockingPool& pool, const Clock& clock)
    : runs_(runs), source_(source), objects_(objects), pool_(pool), clock_(clock) {}

asio::awaitable<BackupRun> AuditArchiver::archive(std::string actor_id) {
  BackupRun run = new_run("audit", std::move(actor_id), clock_);
  run.target = "audit";
  const auto started = std::chrono::steady_clock::now();
  auto work = [this, &run, started] {
    runs_.insert(run);
    std::unique_ptr<objects::ObjectWriter> writer;
    std::exception_ptr failure;
    try {
      const auto newest = last_manifest(objects_);
      const std::int64_t after = newest ? newest->last_seq : 0;
      GzipCompressor gzip;
      crypto::Sha256Stream sha;
      std::int64_t size = 0;
      ArchiveManifest m;
      std::string stem;
      std::string buffer;
      const auto flush = [&](bool last) {
        auto bytes = gzip.update(buffer);
        if (last) bytes += gzip.finish();
        buffer.clear();
        if (bytes.empty()) return;
        sha.update(bytes);
        size += static_cast<std::int64_t>(bytes.size());
        writer->write(bytes);
      };
      const auto count = source_.export_after(
          after, kMaxEntriesPerArchive, [&](const AuditLine& entry, std::string_view line) {
            if (!writer) {  // named by its first entry: keys sort in the chain's order
              m.first_seq = entry.seq;
              m.first_prev_hash = entry.prev_hash;
              stem = stem_of(entry.seq);
              m.key = stem + ".jsonl.gz";
              writer = objects_.create(m.key);
            }
            m.last_seq = entry.seq;
            m.last_hash = entry.hash;
            buffer.append(line);
            buffer += '\n';
            if (buffer.size() >= (std::size_t{1} << 20U)) flush(false);
          });
      if (count == 0) {  // nothing new since the last archive
        end_run(run, nullptr, clock_, started);
        return;
      }
      flush(true);
      writer->commit();
      writer.reset();
      m.size = size;
      m.sha256 = sha.hex();
      objects_.put(stem + ".json",
                   bj::serialize(bj::object{{"kind", "audit"},
                                            {"archive", m.key},
                                            {"first_seq", m.first_seq},
                                            {"last_seq", m.last_seq},
                                            {"entries", static_cast<std::int64_t>(count)},
                                            {"first_prev_hash", m.first_prev_hash},
                                            {"last_hash", m.last_hash},
                                            {"size", m.size},
                                            {"sha256", m.sha256},
                                            {"created_at", clock_.stamp()}}));
      run.object_key = m.key;
      run.size_bytes = size;
      run.sha256 = m.sha256;
    } catch (...) {
      failure = std::current_exception();
      if (writer) writer->abort();
    }
    end_run(run, failure, clock_, started);
  };
  co_await pool_.run(work);
  auto finish = [this, &run] { runs_.finish(run); };
  co_await pool_.run(finish);
  if (run.status == "failed") {
    throw Error::unavailable("backup_failed", "The audit archive failed: " + run.error);
  }
  co_return run;
}

AuditArchiveReport verify_audit_archives(objects::ObjectStore& store, AuditSource& source) {
  AuditArchiveReport report;
  const auto fail = [&report](std::int64_t seq, std::string problem) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    return report;
  };
  std::optional<std::int64_t> last_seq;
  std::string last_hash;
  for (const auto& m : manifests(store)) {
    if (last_seq && m.first_seq != *last_seq + 1) {
      return fail(*last_seq + 1, "archive " + m.key + " does not follow the one before it");
    }
    std::int64_t expected_seq = m.first_seq;
    std::string prev = last_seq ? last_hash : m.first_prev_hash;
    if (!last_seq && m.first_seq == 1 && prev != kGenesis) {
      return fail(1, "the first entry does not start the chain");
    }
    GzipDecompressor gunzip;
    crypto::Sha256Stream sha;
    std::string partial;
    const auto check_line = [&](std::string_view line) {
      const auto entry = source.rehash(line);
      const auto claimed = bj::parse(line).as_object().at("hash").as_string();
      if (entry.seq != expected_seq)
        throw std::runtime_error("seq " + std::to_string(entry.seq) + " out of order");
      if (entry.prev_hash != prev)
        throw std::runtime_error("prev_hash does not name the entry before");
      if (entry.hash != claimed)
        throw std::runtime_error("the entry's content does not match its hash");
      prev = entry.hash;
      ++expected_seq;
      ++report.entries;
    };
    try {
      store.get(m.key, [&](std::string_view bytes) {
        sha.update(bytes);
        partial += gunzip.update(bytes);
        std::size_t start = 0;
        for (auto end = partial.find('\n'); end != std::string::npos;
             end = partial.find('\n', start)) {
          check_line(std::string_view(partial).substr(start, end - start));
          start = end + 1;
        }
        partial.erase(0, start);
      });
      gunzip.finish();
      if (!partial.empty()) throw std::runtime_error("the last line is cut off");
    } catch (const std::exception& e) {
      return fail(expected_seq, m.key + ": " + e.what());
    }
    if (sha.hex() != m.sha256) return fail(m.first_seq, m.key + ": checksum differs");
    if (expected_seq != m.last_seq + 1 || prev != m.last_hash) {
      return fail(expected_seq, m.key + ": ends elsewhere than its description says");
    }
    ++report.archives;
    last_seq = m.last_seq;
    last_hash = m.last_hash;
  }
  if (last_seq) report.anchor = std::to_string(*last_seq) + ":" + last_hash;
  return report;
}

asio::awaitable<AuditArchiveReport> AuditArchiver::verify() {
  auto work = [this] { return verify_audit_archives(objects_, source_); };
  co_return co_await pool_.run(work);
}

asio::awaitable<std::vector<BackupRun>> AuditArchiver::runs(std::size_t limit) {
  BackupRunFilter filter;
  filter.kind = "audit";
  filter.limit = limit;
  auto load = [this, &filter] { return runs_.list(filter); };
  co_return co_await pool_.run(load);
}

asio::awaitable<void> AuditArchiver::remove(std::string run_id) {
  auto drop = [this, &run_id] {
    const auto run = runs_.get(run_id);
    if (!run || run->kind != "audit") throw Error::not_found("backup_not_found", "No such backup.");
    if (!run->object_key.empty()) {
      const auto stem = run->object_key.substr(0, run->object_key.size() - 9);  // ".jsonl.gz"
      objects_.remove(stem + ".json");
      objects_.remove(run->object_key);
    }
    runs_.remove(run->id);
  };
  co_await pool_.run(drop);
}

}  // namespace dokkerr::backup
