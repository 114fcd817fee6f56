#include "audit/audit_service.hpp"

#include "core/blocking_pool.hpp"
#include "core/error.hpp"

namespace dokkerr::audit {

namespace asio = boost::asio;

asio::awaitable<ListPage> AuditService::list(AuditFilter filter, std::size_t limit,
                                             std::string cursor) {
  auto read = [this, &filter, limit, &cursor] { return log_.list(filter, limit, cursor); };
  co_return co_await pool_.run(read);
}

asio::awaitable<std::string> AuditService::export_jsonl(AuditFilter filter) {
  auto collect = [this, &filter] {
    std::string out;
    log_.export_jsonl(filter, [&out](std::string_view line) {
      if (out.size() + line.size() > kMaxExportBytes) {
        throw Error::invalid("export_too_large",
                             "The export exceeds 64 MiB; narrow it with since/until.");
      }
      out += line;
    });
    return out;
  };
  co_return co_await pool_.run(collect);
}

asio::awaitable<ChainReport> AuditService::verify(std::optional<std::string> anchor) {
  auto walk = [this, &anchor] {
    ChainReport out;
    out.report = anchor ? log_.verify(std::string_view(*anchor)) : log_.verify();
    out.head = log_.head();
    return out;
  };
  co_return co_await pool_.run(walk);
}

}  // namespace dokkerr::audit
