#include "containers/image_service.hpp"

#include "unit/containers/engine_fixture.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace dokkerr::containers {
namespace {

using namespace testing;

class ImageServiceTest : public EngineServiceTest {
 protected:
  void SetUp() override {
    EngineServiceTest::SetUp();
    if (IsSkipped()) return;
    service_ = std::make_unique<ImageService>(*environments_);
  }
  void TearDown() override {
    if (service_) {
      for (const auto& tag : tags_to_remove_) {
        (void)run(ioc_, client_->request(docker::Verb::delete_, "/images/" + tag));
      }
    }
    EngineServiceTest::TearDown();
  }

  std::unique_ptr<ImageService> service_;
  std::vector<std::string> tags_to_remove_;
};

TEST_F(ImageServiceTest, ListsInspectsAndTellsTheHistory) {
  ImageListOptions options;
  options.reference = test_image();
  const auto images = run(ioc_, service_->list(kEnv, options));
  ASSERT_EQ(images.size(), 1U);
  const auto id = std::string(images[0].at("Id").as_string());
  EXPECT_EQ(run(ioc_, service_->inspect(kEnv, test_image())).at("Id").as_string(), id);
  EXPECT_FALSE(run(ioc_, service_->history(kEnv, test_image())).empty());
  EXPECT_EQ(error_of([&] { run(ioc_, service_->inspect(kEnv, "dokkerr-unit/none:here")); }).code(),
            "image_not_found");
  // References that the engine's router would read as another path are not images at all.
  EXPECT_EQ(error_of([&] { run(ioc_, service_->inspect(kEnv, "../containers/json")); }).code(),
            "image_not_found");
}

TEST_F(ImageServiceTest, TagsCheckTheEnginesSyntax) {
  for (const char* repo : {"UPPER/case", "-dash", "a//b", "", "host:5000/"}) {
    EXPECT_EQ(error_of([&] { run(ioc_, service_->tag(kEnv, test_image(), repo, "")); }).code(),
              "invalid_reference")
        << repo;
  }
  EXPECT_EQ(error_of([&] {
              run(ioc_, service_->tag(kEnv, test_image(), "dokkerr-unit/x", ".dot"));
            }).code(),
            "invalid_reference");
  const std::string repo = "dokkerr-unit/tagged-" + run_value();
  tags_to_remove_.push_back(repo + ":v1");
  run(ioc_, service_->tag(kEnv, test_image(), repo, "v1"));
  EXPECT_EQ(run(ioc_, service_->inspect(kEnv, repo + ":v1")).at("Id"),
            run(ioc_, service_->inspect(kEnv, test_image())).at("Id"));
  ImageRemoveOptions untag;
  const auto removed = run(ioc_, service_->remove(kEnv, repo + ":v1", untag));
  ASSERT_FALSE(removed.empty());
  EXPECT_TRUE(removed[0].as_object().contains("Untagged"));
}

// An upload as the HTTP server hands it over: pieces of at most `piece` bytes, then an empty one.
UploadSource pieces_of(std::string bytes, std::size_t piece = 7000) {
  auto state = std::make_shared<std::pair<std::string, std::size_t>>(std::move(bytes), 0);
  return [state, piece]() -> boost::asio::awaitable<std::string_view> {
    auto& [data, at] = *state;
    const auto view = std::string_view(data).substr(at, piece);
    at += view.size();
    co_return view;
  };
}

TEST_F(ImageServiceTest, UploadsMustBeTarballs) {
  EXPECT_EQ(error_of([&] { run(ioc_, service_->load(kEnv, pieces_of(""))); }).code(),
            "invalid_body");
  EXPECT_EQ(
      error_of([&] { run(ioc_, service_->import_rootfs(kEnv, pieces_of(""), "", "")); }).code(),
      "invalid_body");
  // The engine refuses garbage outright, or reports it in its answer; its own words there name
  // its temporary paths, so the client gets a plain statement instead.
  const auto broken =
      error_of([&] { run(ioc_, service_->load(kEnv, pieces_of("not a tarball"))); });
  if (broken.code() == "invalid_body") {
    EXPECT_EQ(broken.detail(), "The engine could not read the uploaded image tarball.");
  } else {
    EXPECT_TRUE(broken.kind() == ErrorKind::invalid || broken.kind() == ErrorKind::bad_gateway)
        << broken.code();
  }
}

TEST_F(ImageServiceTest, ExportStreamsATarball) {
  auto archive = run(ioc_, service_->export_image(kEnv, test_image()));
  ASSERT_TRUE(archive);
  const auto bytes = run(ioc_, archive->read_all(64U * 1024U * 1024U));
  // A tar archive: its first header carries the "ustar" magic at offset 257.
  ASSERT_GT(bytes.size(), 512U);
  EXPECT_EQ(bytes.substr(257, 5), "ustar");
}

TEST_F(ImageServiceTest, AnExportedImageLoadsBackInPieces) {
  auto archive = run(ioc_, service_->export_image(kEnv, test_image()));
  ASSERT_TRUE(archive);
  auto bytes = run(ioc_, archive->read_all(64U * 1024U * 1024U));
  const auto messages = run(ioc_, service_->load(kEnv, pieces_of(std::move(bytes), 65536)));
  ASSERT_FALSE(messages.empty());
  EXPECT_NE(boost::json::serialize(messages).find("Loaded image"), std::string::npos);
}

TEST_F(ImageServiceTest, APullTheEngineRefusesAtOnceIsAnError) {
  PullRequest request;
  request.image = "127.0.0.1:1/dokkerr-unit/nonexistent";
  request.tag = "latest";
  const auto error = docker::testing::error_of([&] {
    auto progress = run(ioc_, service_->pull(Principal{}, kEnv, request));
    // Some engines answer 200 and report the failure in the stream instead.
    const auto text = run(ioc_, progress->read_all(1024U * 1024U));
    EXPECT_NE(text.find("error"), std::string::npos) << text;
  });
  if (error) {
    EXPECT_TRUE(error->code() == "image_not_found" || error->code() == "engine_error")
        << error->code();
  }
}

TEST_F(ImageServiceTest, EnsureLeavesAPresentImageAloneAndReportsAFailedPull) {
  // Present: the engine is asked nothing but the inspect (no registry is reachable here).
  run(ioc_, service_->ensure(Principal{}, kEnv, test_image(), PullPolicy::missing));

  const auto error = docker::testing::error_of([&] {
    run(ioc_, service_->ensure(Principal{}, kEnv, "127.0.0.1:1/dokkerr-unit/nonexistent:1",
                               PullPolicy::missing));
  });
  ASSERT_TRUE(error.has_value());
  EXPECT_TRUE(error->code() == "image_pull_failed" || error->code() == "image_not_found" ||
              error->code() == "engine_error")
      << error->code();
}

TEST(PullPolicy, OnlyMissingOrAlways) {
  EXPECT_EQ(pull_policy_from("missing"), PullPolicy::missing);
  EXPECT_EQ(pull_policy_from("always"), PullPolicy::always);
  for (const auto* bad : {"", "never", "Missing", "always ", "1"}) {
    const auto error = docker::testing::error_of([&] { (void)pull_policy_from(bad); });
    ASSERT_TRUE(error.has_value()) << bad;
    EXPECT_EQ(error->code(), "invalid_parameter");
  }
}

TEST(PullRequestFor, NeverLeavesTheTagEmpty) {
  const auto check = [](std::string_view reference, std::string_view image, std::string_view tag) {
    const auto request = pull_request_for(reference);
    EXPECT_EQ(request.image, image) << reference;
    EXPECT_EQ(request.tag, tag) << reference;
  };
  check("busybox", "busybox", "latest");
  check("busybox:1.36", "busybox", "1.36");
  check("registry:5000/team/app", "registry:5000/team/app", "latest");
  check("registry:5000/team/app:v2", "registry:5000/team/app", "v2");
  check("app@sha256:abcd", "app", "sha256:abcd");
  check("registry:5000/app:v1@sha256:abcd", "registry:5000/app:v1", "sha256:abcd");
}

}  // namespace
}  // namespace dokkerr::containers
