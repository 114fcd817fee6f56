#include "audit/audit_log.hpp"

#include "core/clock.hpp"
#include "core/error.hpp"
#include "crypto/primitives.hpp"
#include "unit/store/test_databases.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <vector>

namespace dokkerr::audit {
namespace {

using store::testing::BackendTest;

template <typename Fn>
Error catch_error(Fn&& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected a dokkerr::Error";
  return Error::internal_error("no error");
}

AuditEvent event(std::string action, std::string actor_id = "u-1", std::string result = "success") {
  AuditEvent e;
  e.actor_type = "user";
  e.actor_id = std::move(actor_id);
  e.actor_name = "alice";
  e.org_id = "org-1";
  e.team_id = "team-1";
  e.action = std::move(action);
  e.target = "container/web";
  e.result = std::move(result);
  e.client_address = "192.0.2.1";
  e.request_id = "req-1";
  e.detail_json = R"({"image":"nginx:1.27"})";
  return e;
}

std::vector<std::int64_t> seqs(const std::vector<AuditEntry>& entries) {
  std::vector<std::int64_t> out;
  out.reserve(entries.size());
  for (const auto& e : entries) out.push_back(e.seq);
  return out;
}

// The fixed vector below was computed outside this code base (JavaScript's JSON.stringify and
// Python's json.dumps agree on it), which is what the header promises external verifiers.
TEST(AuditHash, CanonicalFormMatchesAnIndependentImplementation) {
  AuditEntry entry;
  entry.seq = 42;
  entry.at = "2026-01-31T12:34:56.789Z";
  entry.event.actor_type = "user";
  entry.event.actor_id = "u-1";
  entry.event.actor_name = "Zo\xC3\xAB \"q\" \\ \n\t\b\f\r\x01\x7F/\xF0\x9F\x90\xA2";
  entry.event.org_id = "org-1";
  entry.event.team_id = "";
  entry.event.action = "containers.create";
  entry.event.target = "web";
  entry.event.result = "success";
  entry.event.client_address = "192.0.2.1";
  entry.event.request_id = "r-1";
  entry.event.detail_json = R"({"k":"v"})";
  entry.prev_hash = kGenesisHash;
  EXPECT_EQ(hash_input(entry),
            "[\"dokkerr.audit.v1\",42,\"2026-01-31T12:34:56.789Z\",\"user\",\"u-1\","
            "\"Zo\xC3\xAB \\\"q\\\" \\\\ \\n\\t\\b\\f\\r\\u0001\x7F/\xF0\x9F\x90\xA2\","
            "\"org-1\",\"\",\"containers.create\",\"web\",\"success\",\"192.0.2.1\",\"r-1\","
            "\"{\\\"k\\\":\\\"v\\\"}\","
            "\"0000000000000000000000000000000000000000000000000000000000000000\"]");
  EXPECT_EQ(entry_hash(entry), "f75feb4b2199a4abe2e8b4c61751a5106fb459b60b070e615d05efd8703285df");
}

TEST(AuditHash, EveryFieldChangesTheHash) {
  AuditEntry base;
  base.seq = 1;
  base.at = "2026-01-31T12:34:56.789Z";
  base.event = event("auth.login");
  base.prev_hash = kGenesisHash;
  const std::string reference = entry_hash(base);
  std::vector<AuditEntry> variants(15, base);
  variants[0].seq = 2;
  variants[1].at = "2026-01-31T12:34:56.788Z";
  variants[2].event.actor_type = "system";
  variants[3].event.actor_id += "x";
  variants[4].event.actor_name += "x";
  variants[5].event.org_id += "x";
  variants[6].event.team_id += "x";
  variants[7].event.action += "x";
  variants[8].event.target += "x";
  variants[9].event.result = "denied";
  variants[10].event.client_address += "x";
  variants[11].event.request_id += "x";
  variants[12].event.detail_json = "{}";
  variants[13].prev_hash[0] = '1';
  // Moving text from one field into the next must not give the same serialization.
  variants[14].event.actor_id = base.event.actor_id + base.event.actor_name;
  variants[14].event.actor_name.clear();
  for (std::size_t i = 0; i < variants.size(); ++i) {
    EXPECT_NE(entry_hash(variants[i]), reference) << "variant " << i;
  }
}

TEST(AuditEvents, RefusesValuesOutsideTheVocabulary) {
  AuditEvent e = event("auth.login");
  e.actor_type = "robot";
  EXPECT_EQ(catch_error([&] { (void)normalize_event(e); }).kind(), ErrorKind::internal);
  e = event("auth.login", "u-1", "maybe");
  EXPECT_EQ(catch_error([&] { (void)normalize_event(e); }).kind(), ErrorKind::internal);
  e = event("");
  EXPECT_EQ(catch_error([&] { (void)normalize_event(e); }).kind(), ErrorKind::internal);
}

TEST(AuditEvents, BoundsTextAtACharacterBoundary) {
  AuditEvent e = event("auth.login");
  e.target = std::string(kMaxTextBytes - 1, 'a') + "\xC3\xA9";  // the 2-byte é would cross 512
  e.actor_name = std::string(100000, 'n');
  e.request_id = std::string("a\0b", 3) + "\xFF" + "\xC3" + "c" + "\xED\xA0\x80";  // NUL, junk
  const AuditEvent bounded = normalize_event(e);
  EXPECT_EQ(bounded.target, std::string(kMaxTextBytes - 1, 'a'));
  EXPECT_EQ(bounded.actor_name, std::string(kMaxTextBytes, 'n'));
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(bounded.request_id, "a" + fffd + "b" + fffd + fffd + "c" + fffd + fffd + fffd);
}

TEST(AuditEvents, BoundsAndCompactsTheDetail) {
  AuditEvent e = event("auth.login");
  e.detail_json = R"( { "a" : [ 1 , 2 ] ,  "b" : "x" } )";
  EXPECT_EQ(normalize_event(e).detail_json, R"({"a":[1,2],"b":"x"})");
  e.detail_json = "";
  EXPECT_EQ(normalize_event(e).detail_json, "{}");
  e.detail_json = R"({"blob":")" + std::string(kMaxDetailBytes, 'x') + "\"}";
  EXPECT_EQ(normalize_event(e).detail_json, R"({"truncated":true})");
  for (const char* not_an_object : {"[1]", "\"text\"", "{\"a\":", "{\"a\":\"\xFF\"}"}) {
    e.detail_json = not_an_object;
    EXPECT_EQ(normalize_event(e).detail_json, R"({"invalid_detail":true})") << not_an_object;
  }
}

// The canonical text is what JSON.stringify(JSON.parse(text)) and Python's json.dumps(
// json.loads(text), ensure_ascii=False, separators=(",", ":")) give back (both checked by hand
// on this expected text), so a verifier can rebuild it from an export.
TEST(AuditEvents, WritesTheDetailInCanonicalForm) {
  AuditEvent e = event("auth.login");
  e.detail_json = R"({"10": "x", "b": 1, "a": {"2": true, "1": null}, "9": [1.5, 2.0, 1e2,)"
                  R"( 12345678901234567890, -0, "\u0000\u2028\/"], "z": "\u00e9"})";
  EXPECT_EQ(normalize_event(e).detail_json,
            "{\"9\":[\"1.5\",2,100,\"12345678901234567890\",0,\"\\u0000\xE2\x80\xA8/\"],"
            "\"10\":\"x\",\"b\":1,\"a\":{\"1\":null,\"2\":true},\"z\":\"\xC3\xA9\"}");
  // Keys that only look like indexes keep their place.
  e.detail_json = R"({"b": 0, "01": 1, "-1": 2, "4294967295": 3, "4294967294": 4})";
  EXPECT_EQ(normalize_event(e).detail_json,
            R"({"4294967294":4,"b":0,"01":1,"-1":2,"4294967295":3})");
  // Canonical text is a fixed point.
  const std::string once = normalize_event(e).detail_json;
  e.detail_json = once;
  EXPECT_EQ(normalize_event(e).detail_json, once);
}

class AuditLogTest : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped()) return;
    log_ = std::make_unique<AuditLog>(db(), clock_);
  }
  void TearDown() override {
    log_.reset();
    BackendTest::TearDown();
  }

  AuditLog& log() { return *log_; }

  void append_many(int count) {
    for (int i = 0; i < count; ++i) {
      log().append(event("containers.start", "u-" + std::to_string(i % 3)));
    }
  }

  // Many valid entries in one transaction: appending them one by one would cost a commit each.
  void bulk_append(int count) {
    db().transaction([&](store::Database& tx) {
      const auto last = tx.query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1");
      AuditEntry entry;
      entry.seq = last.empty() ? 0 : last.front().integer(0);
      entry.prev_hash = last.empty() ? std::string(kGenesisHash) : last.front().text(1);
      for (int i = 0; i < count; ++i) {
        entry.seq += 1;
        entry.at = "2026-02-01T00:00:00.000Z";
        entry.event = normalize_event(event("bulk.item"));
        entry.hash = entry_hash(entry);
        const AuditEvent& e = entry.event;
        tx.execute(
            "INSERT INTO audit_log (seq, at, actor_type, actor_id, actor_name, org_id, team_id, "
            "action, target, result, client_address, request_id, detail, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            {entry.seq, entry.at, e.actor_type, e.actor_id, e.actor_name, e.org_id, e.team_id,
             e.action, e.target, e.result, e.client_address, e.request_id, e.detail_json,
             entry.prev_hash, entry.hash});
        entry.prev_hash = entry.hash;
      }
    });
  }

  std::vector<AuditEntry> list_all(const AuditFilter& filter, std::size_t page_size = 1000) {
    std::vector<AuditEntry> out;
    std::string cursor;
    for (;;) {
      auto page = log().list(filter, page_size, cursor);
      out.insert(out.end(), page.items.begin(), page.items.end());
      if (!page.next_cursor) return out;
      cursor = *page.next_cursor;
    }
  }

  ManualClock clock_{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}};

 private:
  std::unique_ptr<AuditLog> log_;
};

TEST_P(AuditLogTest, StartsEmptyAndValid) {
  EXPECT_EQ(log().head(), "0:" + std::string(kGenesisHash));
  const auto report = log().verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.entries, 0);
  EXPECT_TRUE(log().verify(log().head()).ok);
  EXPECT_TRUE(log().list({}, 10, "").items.empty());
  EXPECT_EQ(log().list({}, 10, "").next_cursor, std::nullopt);
}

TEST_P(AuditLogTest, AppendsAChainFromTheGenesis) {
  const AuditEntry first = log().append(event("auth.login"));
  const AuditEntry second = log().append(event("auth.logout"));
  EXPECT_EQ(first.seq, 1);
  EXPECT_EQ(first.prev_hash, kGenesisHash);
  EXPECT_EQ(first.hash, entry_hash(first));
  EXPECT_EQ(second.seq, 2);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.hash, entry_hash(second));
  EXPECT_TRUE(std::regex_match(first.at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));
  EXPECT_EQ(log().head(), "2:" + second.hash);

  // What was stored is what append returned, field for field.
  const auto stored = log().list({}, 10, "").items;
  ASSERT_EQ(stored.size(), 2U);
  EXPECT_EQ(to_json(stored[1]), to_json(first));
  EXPECT_EQ(to_json(stored[0]), to_json(second));
}

TEST_P(AuditLogTest, ListsNewestFirstPageByPage) {
  append_many(7);
  auto page = log().list({}, 3, "");
  EXPECT_EQ(seqs(page.items), (std::vector<std::int64_t>{7, 6, 5}));
  ASSERT_TRUE(page.next_cursor);
  page = log().list({}, 3, *page.next_cursor);
  EXPECT_EQ(seqs(page.items), (std::vector<std::int64_t>{4, 3, 2}));
  ASSERT_TRUE(page.next_cursor);
  page = log().list({}, 3, *page.next_cursor);
  EXPECT_EQ(seqs(page.items), (std::vector<std::int64_t>{1}));
  EXPECT_EQ(page.next_cursor, std::nullopt);

  // Exactly one page's worth leaves no cursor behind.
  page = log().list({}, 7, "");
  EXPECT_EQ(page.items.size(), 7U);
  EXPECT_EQ(page.next_cursor, std::nullopt);
  // A limit of 0 still returns something; a huge one is clamped.
  EXPECT_EQ(log().list({}, 0, "").items.size(), 1U);
  EXPECT_EQ(log().list({}, 1000000, "").items.size(), 7U);
}

TEST_P(AuditLogTest, RefusesCursorsItDidNotHandOut) {
  append_many(3);
  const std::vector<std::string> cursors = {
      "garbage!",
      std::string(200, 'A'),
      crypto::base64url_encode("other:2"),
      crypto::base64url_encode("audit-seq:"),
      crypto::base64url_encode("audit-seq:-1"),
      crypto::base64url_encode("audit-seq:0"),
      crypto::base64url_encode("audit-seq:2x"),
      crypto::base64url_encode("audit-seq:99999999999999999999"),
  };
  for (const auto& cursor : cursors) {
    const Error e = catch_error([&] { (void)log().list({}, 10, cursor); });
    EXPECT_EQ(e.kind(), ErrorKind::invalid) << cursor;
    EXPECT_EQ(e.code(), "invalid_cursor") << cursor;
  }
  // A well-formed cursor beyond the 32-bit range of PostgreSQL's INTEGER is an ordinary page.
  EXPECT_EQ(log().list({}, 10, crypto::base64url_encode("audit-seq:5000000000")).items.size(), 3U);
}

TEST_P(AuditLogTest, FiltersOnEveryField) {
  log().append(event("auth.login", "u-1"));                   // 1
  log().append(event("auth.login", "u-2", "failure"));        // 2
  log().append(event("containers.create", "u-1"));            // 3
  log().append(event("containers.create", "u-2", "denied"));  // 4
  AuditEvent other_team = event("containers.delete", "u-1");
  other_team.team_id = "team-2";
  other_team.org_id = "org-2";
  log().append(other_team);                          // 5
  log().append(event("containersX.create", "u-1"));  // 6
  log().append(event("\xC5\xBC.first", "u-3"));      // 7: ż, two bytes

  const auto matching = [&](AuditFilter filter) { return seqs(list_all(filter, 2)); };
  using Seqs = std::vector<std::int64_t>;
  EXPECT_EQ(matching({.actor_id = "u-1"}), (Seqs{6, 5, 3, 1}));
  EXPECT_EQ(matching({.action = "auth.login"}), (Seqs{2, 1}));
  EXPECT_EQ(matching({.action = "containers.*"}), (Seqs{5, 4, 3}));
  EXPECT_EQ(matching({.action = "containers*"}), (Seqs{6, 5, 4, 3}));
  EXPECT_EQ(matching({.action = "CONTAINERS.*"}), (Seqs{}));
  EXPECT_EQ(matching({.action = "\xC5\xBC.*"}), (Seqs{7}));
  EXPECT_EQ(matching({.action = "*"}), (Seqs{7, 6, 5, 4, 3, 2, 1}));
  EXPECT_EQ(matching({.action = "containers.%"}), (Seqs{}));
  EXPECT_EQ(matching({.result = "denied"}), (Seqs{4}));
  EXPECT_EQ(matching({.team_id = "team-2"}), (Seqs{5}));
  EXPECT_EQ(matching({.org_id = "org-1"}), (Seqs{7, 6, 4, 3, 2, 1}));
  // Values no stored text can hold match nothing, instead of failing on PostgreSQL.
  EXPECT_EQ(matching({.actor_id = "\xFF"}), (Seqs{}));
  EXPECT_EQ(matching({.action = std::string("auth\0*", 6)}), (Seqs{}));
  EXPECT_EQ(matching({.actor_id = "u-1", .action = "containers.*", .result = "success"}),
            (Seqs{5, 3}));
}

TEST_P(AuditLogTest, FiltersOnTimeWithAnyOffset) {
  // Entry n is stamped 2026-03-01T0n:00:00.000Z by the log's own clock.
  for (int seq = 1; seq <= 6; ++seq) {
    clock_.advance(std::chrono::hours(1));
    append_many(1);
  }
  ASSERT_TRUE(log().verify().ok);
  const auto matching = [&](AuditFilter filter) { return seqs(list_all(filter)); };
  using Seqs = std::vector<std::int64_t>;
  EXPECT_EQ(matching({.since = "2026-03-01T03:00:00Z"}), (Seqs{6, 5, 4, 3}));
  EXPECT_EQ(matching({.since = "2026-03-01T05:00:00+02:00"}), (Seqs{6, 5, 4, 3}));
  EXPECT_EQ(matching({.since = "2026-02-28T22:00:00.5-04:30"}), (Seqs{6, 5, 4, 3}));
  // Digits beyond the millisecond are cut, as they are from the stored stamps.
  EXPECT_EQ(matching({.since = "2026-03-01t02:00:00.000999z"}), (Seqs{6, 5, 4, 3, 2}));
  EXPECT_EQ(matching({.since = "2026-03-01T02:00:00.001Z"}), (Seqs{6, 5, 4, 3}));
  EXPECT_EQ(matching({.until = "2026-03-01T02:00:00Z"}), (Seqs{2, 1}));
  EXPECT_EQ(matching({.since = "2026-03-01T02:00:00Z", .until = "2026-03-01T04:59:59.999Z"}),
            (Seqs{4, 3, 2}));
  EXPECT_EQ(matching({.since = "2026-03-02T00:00:00Z"}), (Seqs{}));

  for (const char* bad : {"2026-03-01", "2026-03-01T02:00:00", "2026-02-30T00:00:00Z",
                          "2026-03-01T24:00:00Z", "2026-03-01T02:00:00.Z", "2026-03-01T02:00:00+2",
                          "yesterday", "2026-03-01T02:00:00Z ", "+026-03-01T02:00:00Z"}) {
    const Error e = catch_error([&] { (void)log().list({.since = bad}, 10, ""); });
    EXPECT_EQ(e.code(), "invalid_time") << bad;
    EXPECT_EQ(e.kind(), ErrorKind::invalid) << bad;
  }
}

TEST_P(AuditLogTest, StoresBoundedFieldsThatStillVerify) {
  AuditEvent e = event("containers.create");
  e.target = std::string(5000, 't');
  e.actor_name = std::string(kMaxTextBytes - 1, 'a') + "\xE2\x82\xAC";  // € would cross the bound
  e.client_address = std::string("x\0y", 3) + "\xFF";
  e.detail_json = R"({"env":")" + std::string(20000, 'v') + "\"}";
  const AuditEntry appended = log().append(e);
  EXPECT_EQ(appended.event.target, std::string(kMaxTextBytes, 't'));
  EXPECT_EQ(appended.event.actor_name, std::string(kMaxTextBytes - 1, 'a'));
  EXPECT_EQ(appended.event.client_address, "x\xEF\xBF\xBDy\xEF\xBF\xBD");
  EXPECT_EQ(appended.event.detail_json, R"({"truncated":true})");

  const auto stored = log().list({}, 1, "").items.at(0);
  EXPECT_EQ(stored.event.target, appended.event.target);
  EXPECT_EQ(stored.event.actor_name, appended.event.actor_name);
  EXPECT_EQ(stored.event.client_address, appended.event.client_address);
  EXPECT_EQ(stored.event.detail_json, appended.event.detail_json);
  EXPECT_TRUE(log().verify().ok);
}

TEST_P(AuditLogTest, ExportLinesReadBackToTheirHash) {
  // Details whose canonical form differs from a plain re-serialization: numbers written as
  // 2.0 and 1e2, a fraction, keys that are array indexes, control and non-ASCII characters.
  for (const std::string detail :
       {R"({"b":2.0,"a":1e2,"80":"x","1":"y"})", R"({"f":0.1,"s":"tab\there \u0001 ✓ \/"})",
        R"({"nested":{"z":[1,2.5,{"k":null}]},"empty":{}})", "{}"}) {
    AuditEvent e = event("export.check");
    e.detail_json = detail;
    e.target = "naïve \"target\"";
    log().append(e);
  }
  std::vector<std::string> lines;
  std::vector<std::string> hashes;
  const auto passed =
      log().export_after(0, 100, [&](const AuditEntry& entry, std::string_view line) {
        lines.emplace_back(line);
        hashes.push_back(entry.hash);
      });
  ASSERT_EQ(passed, 4U);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto back = parse_export_line(lines[i]);
    EXPECT_EQ(back.seq, static_cast<std::int64_t>(i + 1));
    EXPECT_EQ(entry_hash(back), hashes[i]) << lines[i];
  }
  // From a later seq, and bounded.
  std::size_t seen = 0;
  EXPECT_EQ(log().export_after(2, 1,
                               [&](const AuditEntry& entry, std::string_view) {
                                 EXPECT_EQ(entry.seq, 3);
                                 ++seen;
                               }),
            1U);
  EXPECT_EQ(seen, 1U);
  EXPECT_THROW(static_cast<void>(parse_export_line("{not json")), Error);
  EXPECT_THROW(static_cast<void>(parse_export_line(R"({"seq":"one"})")), Error);
}

TEST_P(AuditLogTest, VerifiesAnIntactChainAcrossPages) {
  bulk_append(1234);
  const AuditEntry last = log().append(event("auth.login"));
  EXPECT_EQ(last.seq, 1235);
  const auto report = log().verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 1235);
  EXPECT_EQ(report.first_bad_seq, std::nullopt);
  EXPECT_EQ(report.problem, "");
  EXPECT_TRUE(log().verify(log().head()).ok);
}

TEST_P(AuditLogTest, DetectsAChangedFieldAtItsSeq) {
  append_many(10);
  ASSERT_TRUE(log().verify().ok);
  // Every column that holds content; seq and the hashes have tests of their own.
  for (const std::string column :
       {"at", "actor_type", "actor_id", "actor_name", "org_id", "team_id", "action", "target",
        "result", "client_address", "request_id", "detail"}) {
    SCOPED_TRACE(column);
    const std::string original =
        db().query("SELECT " + column + " FROM audit_log WHERE seq = 6").at(0).text(0);
    db().execute("UPDATE audit_log SET " + column + " = ? WHERE seq = 6",
                 {column == "detail" ? std::string(R"({"image":"evil"})") : original + "!"});
    const auto report = log().verify();
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.first_bad_seq, 6);
    EXPECT_EQ(report.entries, 5);
    EXPECT_NE(report.problem.find("changed"), std::string::npos) << report.problem;
    db().execute("UPDATE audit_log SET " + column + " = ? WHERE seq = 6", {original});
    EXPECT_TRUE(log().verify().ok);
  }
}

TEST_P(AuditLogTest, DetectsARewrittenEntryAtTheNextLink) {
  append_many(10);
  // A forger who also recomputes the entry's own hash still breaks the link to the next one.
  auto entry = log().list({}, 1, crypto::base64url_encode("audit-seq:5")).items.at(0);
  ASSERT_EQ(entry.seq, 4);
  entry.event.result = "failure";
  db().execute("UPDATE audit_log SET result = ?, hash = ? WHERE seq = 4",
               {entry.event.result, entry_hash(entry)});
  const auto report = log().verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_NE(report.problem.find("prev_hash"), std::string::npos) << report.problem;
}

TEST_P(AuditLogTest, DetectsARemovedEntry) {
  append_many(10);
  db().execute("DELETE FROM audit_log WHERE seq = 5");
  auto report = log().verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5);
  EXPECT_EQ(report.entries, 4);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;

  // Closing the gap by renumbering leaves a broken link instead.
  db().execute("UPDATE audit_log SET seq = seq - 1 WHERE seq = 6");
  report = log().verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 5);

  // So does removing the first entry.
  db().execute("DELETE FROM audit_log WHERE seq = 1");
  report = log().verify();
  EXPECT_EQ(report.first_bad_seq, 1);
  EXPECT_EQ(report.entries, 0);
}

TEST_P(AuditLogTest, DetectsReorderedAndInsertedEntries) {
  append_many(6);
  // Swap entries 3 and 4 (through a free seq, the column being a primary key).
  db().execute("UPDATE audit_log SET seq = 100 WHERE seq = 3");
  db().execute("UPDATE audit_log SET seq = 3 WHERE seq = 4");
  db().execute("UPDATE audit_log SET seq = 4 WHERE seq = 100");
  auto report = log().verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
  db().execute("UPDATE audit_log SET seq = 100 WHERE seq = 3");
  db().execute("UPDATE audit_log SET seq = 3 WHERE seq = 4");
  db().execute("UPDATE audit_log SET seq = 4 WHERE seq = 100");
  ASSERT_TRUE(log().verify().ok);

  // An entry slipped in between: the ones after it move up a seq.
  db().execute("UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3");
  db().execute("UPDATE audit_log SET seq = seq - 99 WHERE seq >= 103");
  db().execute(
      "INSERT INTO audit_log (seq, at, actor_type, action, result, prev_hash, hash) "
      "VALUES (3, '2026-01-01T00:00:00.000Z', 'system', 'forged', 'success', ?, ?)",
      {std::string(kGenesisHash), std::string(kGenesisHash)});
  report = log().verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_P(AuditLogTest, DetectsEntriesPlantedBeforeTheGenesis) {
  append_many(3);
  db().execute(
      "INSERT INTO audit_log (seq, at, actor_type, action, result, prev_hash, hash) "
      "VALUES (0, '2026-01-01T00:00:00.000Z', 'system', 'forged', 'success', ?, ?)",
      {std::string(kGenesisHash), std::string(kGenesisHash)});
  const auto report = log().verify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 0);
}

TEST_P(AuditLogTest, NeedsAnAnchorToNoticeACutTail) {
  append_many(8);
  const std::string anchor = log().head();
  EXPECT_EQ(anchor.substr(0, 2), "8:");
  db().execute("DELETE FROM audit_log WHERE seq >= 7");

  // Without the anchor the shorter chain is as valid as any.
  EXPECT_TRUE(log().verify().ok);
  const auto report = log().verify(anchor);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 7);
  EXPECT_EQ(report.entries, 6);
  EXPECT_NE(report.problem.find("removed from the end"), std::string::npos) << report.problem;

  // An older anchor is still in the chain; new entries after it do not matter.
  const std::string older = log().head();
  log().append(event("auth.logout"));
  EXPECT_TRUE(log().verify(older).ok);
}

TEST_P(AuditLogTest, ReportsAChainRewrittenUpToTheAnchor) {
  append_many(4);
  const std::string anchor = log().head();
  // Rebuild the whole chain with one entry changed, hashes recomputed: valid on its own.
  auto entries = list_all({});
  std::reverse(entries.begin(), entries.end());
  std::string prev(kGenesisHash);
  for (auto& entry : entries) {
    if (entry.seq == 2) entry.event.actor_id = "someone-else";
    entry.prev_hash = prev;
    entry.hash = entry_hash(entry);
    db().execute("UPDATE audit_log SET actor_id = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                 {entry.event.actor_id, entry.prev_hash, entry.hash, entry.seq});
    prev = entry.hash;
  }
  EXPECT_TRUE(log().verify().ok);
  const auto report = log().verify(anchor);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 4);
  EXPECT_NE(report.problem.find("anchor"), std::string::npos) << report.problem;
}

TEST_P(AuditLogTest, RefusesMalformedAnchors) {
  append_many(1);
  const std::vector<std::string> anchors = {"",
                                            "1",
                                            "1:",
                                            "x:" + std::string(64, 'a'),
                                            "1:" + std::string(63, 'a'),
                                            "1:" + std::string(64, 'A'),
                                            "-1:" + std::string(64, 'a'),
                                            "0:" + std::string(64, 'a')};
  for (const auto& anchor : anchors) {
    const Error e = catch_error([&] { (void)log().verify(anchor); });
    EXPECT_EQ(e.code(), "invalid_anchor") << anchor;
  }
  // A well-formed anchor for an entry that never existed.
  const auto report = log().verify("1:" + std::string(64, 'a'));
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.first_bad_seq, 1);
}

// Appenders that share nothing but the database, as separate processes would, must still build
// one chain: on SQLite separate connections to the file, on PostgreSQL separate pools.
TEST_P(AuditLogTest, ConcurrentAppendersBuildOneChain) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::unique_ptr<store::Database>> databases;
  databases.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) databases.push_back(target().open());
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::vector<std::string> failures(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        AuditLog own(*databases[static_cast<std::size_t>(t)], clock_);
        for (int i = 0; i < kPerThread; ++i) {
          own.append(event("containers.start", "thread-" + std::to_string(t)));
        }
      } catch (const Error& e) {
        failures[static_cast<std::size_t>(t)] = e.code() + ": " + e.internal();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) EXPECT_EQ(failure, "");

  const auto report = log().verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, kThreads * kPerThread);
  EXPECT_EQ(log().head().substr(0, 4), "200:");
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(list_all({.actor_id = "thread-" + std::to_string(t)}).size(),
              static_cast<std::size_t>(kPerThread));
  }
}

// Threads sharing one Database: on PostgreSQL that is the pool the server runs with.
TEST_P(AuditLogTest, ConcurrentAppendersOnOneDatabaseBuildOneChain) {
  std::vector<std::string> failures(4);
  std::vector<std::thread> threads;
  threads.reserve(failures.size());
  for (std::size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 50; ++i) log().append(event("containers.stop"));
      } catch (const Error& e) {
        failures[t] = e.code() + ": " + e.internal();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& failure : failures) EXPECT_EQ(failure, "");
  const auto report = log().verify();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.entries, 200);
}

TEST_P(AuditLogTest, ExportsOneJsonObjectPerLineOldestFirst) {
  bulk_append(600);
  AuditEvent e = event("containers.create");
  e.actor_type = "api_key";
  e.detail_json = R"({"ports":[80,443],"note":"line\nbreak \u00e9","443":{"ratio":0.25}})";
  const AuditEntry last = log().append(e);

  std::vector<std::string> lines;
  log().export_jsonl({}, [&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_EQ(lines.size(), 601U);
  std::int64_t expected_seq = 0;
  for (const auto& line : lines) {
    ASSERT_FALSE(line.empty());
    ASSERT_EQ(line.back(), '\n');
    ASSERT_EQ(line.find('\n'), line.size() - 1) << "a line holds one object";
    const boost::json::value parsed = boost::json::parse(line);
    ASSERT_TRUE(parsed.is_object());
    EXPECT_EQ(parsed.at("seq").as_int64(), ++expected_seq);
  }

  const boost::json::object object = boost::json::parse(lines.back()).as_object();
  EXPECT_EQ(object.at("seq").as_int64(), last.seq);
  EXPECT_EQ(object.at("at").as_string(), last.at);
  EXPECT_EQ(object.at("actor").at("type").as_string(), "api_key");
  EXPECT_EQ(object.at("actor").at("id").as_string(), "u-1");
  EXPECT_EQ(object.at("actor").at("name").as_string(), "alice");
  EXPECT_EQ(object.at("org_id").as_string(), "org-1");
  EXPECT_EQ(object.at("team_id").as_string(), "team-1");
  EXPECT_EQ(object.at("action").as_string(), "containers.create");
  EXPECT_EQ(object.at("target").as_string(), "container/web");
  EXPECT_EQ(object.at("result").as_string(), "success");
  EXPECT_EQ(object.at("client_address").as_string(), "192.0.2.1");
  EXPECT_EQ(object.at("request_id").as_string(), "req-1");
  EXPECT_EQ(object.at("detail").at("ports").as_array().size(), 2U);
  EXPECT_EQ(object.at("detail").at("note").as_string(), "line\nbreak \xC3\xA9");
  // The exported detail, written back in canonical form, is the text the hash covers.
  AuditEvent from_export = e;
  from_export.detail_json = boost::json::serialize(object.at("detail"));
  EXPECT_EQ(normalize_event(from_export).detail_json, last.event.detail_json);
  EXPECT_EQ(object.at("prev_hash").as_string(), last.prev_hash);
  EXPECT_EQ(object.at("hash").as_string(), last.hash);
  EXPECT_EQ(object.size(), 13U);

  // A filtered export holds only the matching entries.
  lines.clear();
  log().export_jsonl({.action = "containers.*"},
                     [&](std::string_view line) { lines.emplace_back(line); });
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(boost::json::parse(lines[0]).at("seq").as_int64(), last.seq);
}

DOKKERR_INSTANTIATE_BACKENDS(AuditLogTest);

}  // namespace
}  // namespace dokkerr::audit
