// The git CLI against repositories made here (file://): the commit a branch or tag names, the
// file at that commit, and the refusals that come before git runs.
#include "core/error.hpp"
#include "stacks/git_source.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace dokkerr::stacks {
namespace {

namespace fs = std::filesystem;

std::string code_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& error) {
    return error.code();
  }
  return "";
}

class GitCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("dokkerr-git-test-" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "repo");
    fs::create_directories(root_ / "scratch");
    git("init -q -b main");
    write("deploy/compose.yml", "services:\n  app:\n    image: busybox\n");
    git("add -A");
    git("commit -q -m one");
    git("tag v1");
    cli_ = make_git_cli(root_ / "scratch", std::chrono::seconds(30));
  }
  void TearDown() override { fs::remove_all(root_); }

  void git(const std::string& args) {
    const auto command = "cd " + (root_ / "repo").string() +
                         " && git -c user.email=t@example.com -c user.name=t " + args;
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  void write(const std::string& path, const std::string& text) {
    fs::create_directories((root_ / "repo" / path).parent_path());
    std::ofstream(root_ / "repo" / path) << text;
  }
  GitLocation where(std::string ref = "main", std::string path = "deploy/compose.yml") const {
    return GitLocation{"file://" + (root_ / "repo").string(), std::move(ref), std::move(path)};
  }

  fs::path root_;
  std::unique_ptr<GitRepositories> cli_;
  GitRules admin_{true, {}};
};

TEST_F(GitCliTest, FetchesTheFileAtTheCommitABranchOrTagNames) {
  const auto first = cli_->fetch(where(), admin_);
  EXPECT_EQ(first.commit.size(), 40U);
  EXPECT_EQ(first.content, "services:\n  app:\n    image: busybox\n");
  EXPECT_EQ(cli_->head(where(), admin_), first.commit);
  write("deploy/compose.yml", "services:\n  app:\n    image: busybox:1\n");
  git("commit -q -am two");
  const auto second = cli_->fetch(where(), admin_);
  EXPECT_NE(second.commit, first.commit);
  EXPECT_EQ(cli_->head(where(), admin_), second.commit);
  // The tag still names the first commit.
  EXPECT_EQ(cli_->head(where("v1"), admin_), first.commit);
  EXPECT_EQ(cli_->fetch(where("v1"), admin_).content, first.content);
  EXPECT_TRUE(fs::is_empty(root_ / "scratch"));  // clones are removed
}

TEST_F(GitCliTest, NamesWhatIsMissing) {
  EXPECT_EQ(code_of([&] { (void)cli_->head(where("nope"), admin_); }), "git_ref_not_found");
  EXPECT_EQ(code_of([&] { (void)cli_->fetch(where("nope"), admin_); }), "git_ref_not_found");
  EXPECT_EQ(code_of([&] { (void)cli_->fetch(where("main", "missing.yml"), admin_); }),
            "git_file_not_found");
  GitLocation gone{"file://" + (root_ / "nothing").string(), "main", "a.yml"};
  EXPECT_EQ(code_of([&] { (void)cli_->head(gone, admin_); }), "git_unreachable");
}

TEST_F(GitCliTest, RefusesBeforeGitRuns) {
  const GitRules tenant{false, {}};
  EXPECT_EQ(code_of([&] { (void)cli_->head(where(), tenant); }), "git_url_forbidden");
  for (const auto& bad : {GitLocation{"http://example.com/r.git", "main", "a.yml"},
                          GitLocation{"ssh://git@example.com/r.git", "main", "a.yml"},
                          GitLocation{"ext::sh -c id", "main", "a.yml"},
                          GitLocation{"https://user:pw@example.com/r.git", "main", "a.yml"},
                          GitLocation{"https://example.com/r.git", "--upload-pack=id", "a.yml"},
                          GitLocation{"https://example.com/r.git", "a/../b", "a.yml"},
                          GitLocation{"https://example.com/r.git", "main", "../etc/passwd"},
                          GitLocation{"https://example.com/r.git", "main", "/etc/passwd"},
                          GitLocation{"https://example.com/r.git", "main", "-a.yml"}}) {
    EXPECT_EQ(code_of([&] { check_git_location(bad, true); }), "invalid_git_source") << bad.url;
  }
  // A host on a private address is refused before anything dials it.
  GitLocation metadata{"https://169.254.169.254/r.git", "main", "a.yml"};
  EXPECT_EQ(code_of([&] { (void)cli_->head(metadata, tenant); }), "git_url_forbidden");
  GitLocation loopback{"https://127.0.0.1:9/r.git", "main", "a.yml"};
  EXPECT_EQ(code_of([&] { (void)cli_->fetch(loopback, tenant); }), "git_url_forbidden");
}

}  // namespace
}  // namespace dokkerr::stacks
