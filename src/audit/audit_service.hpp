#pragma once
// Reading the audit log for its routes: listing, export and chain verification, each on the
// blocking pool (the log is in the database).
#include "audit/audit_log.hpp"

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace dokkerr {
class BlockingPool;
}

namespace dokkerr::audit {

// Past this, an export must be narrowed (since/until): it is assembled in memory.
inline constexpr std::size_t kMaxExportBytes = 64U * 1024U * 1024U;

struct ChainReport {
  VerifyReport report;
  std::string head;  // "seq:hash" of the newest entry
};

class AuditService {
 public:
  AuditService(AuditLog& log, BlockingPool& pool) : log_(log), pool_(pool) {}

  boost::asio::awaitable<ListPage> list(AuditFilter filter, std::size_t limit, std::string cursor);
  // JSONL, oldest first. Error invalid "export_too_large" past kMaxExportBytes.
  boost::asio::awaitable<std::string> export_jsonl(AuditFilter filter);
  boost::asio::awaitable<ChainReport> verify(std::optional<std::string> anchor);

 private:
  AuditLog& log_;
  BlockingPool& pool_;
};

}  // namespace dokkerr::audit
