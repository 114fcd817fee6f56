#include "docker/streams.hpp"

#include "core/error.hpp"
#include "unit/docker/test_support.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dokkerr::docker {
namespace {

using testing::error_of;

std::string frame(StreamKind kind, std::string_view payload) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(kind);
  const auto n = static_cast<std::uint32_t>(payload.size());
  out[4] = static_cast<char>((n >> 24U) & 0xffU);
  out[5] = static_cast<char>((n >> 16U) & 0xffU);
  out[6] = static_cast<char>((n >> 8U) & 0xffU);
  out[7] = static_cast<char>(n & 0xffU);
  out.append(payload);
  return out;
}

std::vector<std::pair<StreamKind, std::string>> flatten(const std::vector<Frame>& frames) {
  std::vector<std::pair<StreamKind, std::string>> out;
  for (const auto& f : frames) out.emplace_back(f.stream, f.payload);
  return out;
}

void expect_stream_invalid(const std::optional<Error>& err) {
  ASSERT_TRUE(err.has_value());
  EXPECT_EQ(err->kind(), ErrorKind::bad_gateway);
  EXPECT_EQ(err->code(), "engine_stream_invalid");
}

TEST(FrameDemuxer, SeveralFramesInOneFeed) {
  FrameDemuxer d;
  const std::string bytes = frame(StreamKind::stdout_, "hello\n") +
                            frame(StreamKind::stderr_, "oops\n") +
                            frame(StreamKind::stdout_, "bye\n");
  const auto frames = flatten(d.feed(bytes));
  ASSERT_EQ(frames.size(), 3U);
  EXPECT_EQ(frames[0], std::pair(StreamKind::stdout_, std::string("hello\n")));
  EXPECT_EQ(frames[1], std::pair(StreamKind::stderr_, std::string("oops\n")));
  EXPECT_EQ(frames[2], std::pair(StreamKind::stdout_, std::string("bye\n")));
  EXPECT_EQ(d.buffered(), 0U);
}

TEST(FrameDemuxer, SplitAtEveryByteBoundaryGivesTheSameFrames) {
  const std::string bytes = frame(StreamKind::stdout_, "first") + frame(StreamKind::stderr_, "") +
                            frame(StreamKind::system, std::string(300, 'x')) +
                            frame(StreamKind::stdin_, "last");
  const auto expected = flatten(FrameDemuxer{}.feed(bytes));
  ASSERT_EQ(expected.size(), 4U);
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    FrameDemuxer d;
    auto got = flatten(d.feed(std::string_view(bytes).substr(0, cut)));
    const auto rest = flatten(d.feed(std::string_view(bytes).substr(cut)));
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, expected) << "cut at " << cut;
    EXPECT_EQ(d.buffered(), 0U);
  }
  FrameDemuxer one_by_one;
  std::vector<std::pair<StreamKind, std::string>> got;
  for (const char c : bytes) {
    const auto some = flatten(one_by_one.feed(std::string_view(&c, 1)));
    got.insert(got.end(), some.begin(), some.end());
  }
  EXPECT_EQ(got, expected);
}

TEST(FrameDemuxer, KeepsAnIncompleteFrameBuffered) {
  FrameDemuxer d;
  const std::string bytes = frame(StreamKind::stdout_, "abcdef");
  EXPECT_TRUE(d.feed(bytes.substr(0, 10)).empty());
  EXPECT_EQ(d.buffered(), 10U);
  const auto frames = d.feed(bytes.substr(10));
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].payload, "abcdef");
}

TEST(FrameDemuxer, EmptyPayloadIsAFrame) {
  FrameDemuxer d;
  const auto frames = d.feed(frame(StreamKind::stdout_, ""));
  ASSERT_EQ(frames.size(), 1U);
  EXPECT_EQ(frames[0].stream, StreamKind::stdout_);
  EXPECT_TRUE(frames[0].payload.empty());
}

TEST(FrameDemuxer, RejectsAnUnknownStreamByte) {
  std::string bytes = frame(StreamKind::stdout_, "x");
  bytes[0] = 4;
  FrameDemuxer d;
  expect_stream_invalid(error_of([&] { (void)d.feed(bytes); }));
}

TEST(FrameDemuxer, RejectsARawTtyStreamReadAsMultiplexed) {
  FrameDemuxer d;
  // "hello wo..." would read as stream 'h' (0x68), or with a small first byte as non-zero padding.
  expect_stream_invalid(error_of([&] { (void)d.feed("hello world\r\n"); }));
  FrameDemuxer d2;
  std::string bytes = frame(StreamKind::stdout_, "x");
  bytes[2] = 1;
  expect_stream_invalid(error_of([&] { (void)d2.feed(bytes); }));
}

TEST(FrameDemuxer, RejectsOversizeFramesAsSoonAsTheHeaderArrives) {
  FrameDemuxer d(16);
  EXPECT_EQ(d.feed(frame(StreamKind::stdout_, std::string(16, 'a'))).size(), 1U);
  const std::string big = frame(StreamKind::stdout_, std::string(17, 'a'));
  expect_stream_invalid(error_of([&] { (void)d.feed(big.substr(0, 8)); }));
  FrameDemuxer huge;
  std::string header = frame(StreamKind::stdout_, "");
  header[4] = static_cast<char>(0xff);  // 4 GiB announced
  expect_stream_invalid(error_of([&] { (void)huge.feed(header); }));
}

TEST(LineSplitter, SplitsCompleteLinesAndKeepsTheTail) {
  LineSplitter s;
  const auto lines = s.feed("{\"a\":1}\n{\"b\":2}\n{\"c\"");
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}"}));
  EXPECT_EQ(s.feed(":3}\n"), (std::vector<std::string>{"{\"c\":3}"}));
  EXPECT_EQ(s.finish(), "");
}

TEST(LineSplitter, StripsCrLfAndSkipsEmptyLines) {
  LineSplitter s;
  EXPECT_EQ(s.feed("\n\r\none\r\n\r\n\ntwo\n"), (std::vector<std::string>{"one", "two"}));
  // A CR that is not at the end of a line is data.
  EXPECT_EQ(s.feed("a\rb\n"), (std::vector<std::string>{"a\rb"}));
}

TEST(LineSplitter, SplitAtEveryByteBoundaryGivesTheSameLines) {
  const std::string bytes = "alpha\r\n\nbeta\ngamma\r\n\r\ndelta";
  LineSplitter whole;
  auto expected = whole.feed(bytes);
  expected.push_back(whole.finish());
  ASSERT_EQ(expected, (std::vector<std::string>{"alpha", "beta", "gamma", "delta"}));
  for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
    LineSplitter s;
    auto got = s.feed(std::string_view(bytes).substr(0, cut));
    const auto rest = s.feed(std::string_view(bytes).substr(cut));
    got.insert(got.end(), rest.begin(), rest.end());
    got.push_back(s.finish());
    EXPECT_EQ(got, expected) << "cut at " << cut;
  }
}

TEST(LineSplitter, FinishReturnsTheUnterminatedLastLine) {
  LineSplitter s;
  EXPECT_TRUE(s.feed("partial").empty());
  EXPECT_EQ(s.finish(), "partial");
  EXPECT_EQ(s.finish(), "");
  EXPECT_TRUE(s.feed("x\r").empty());
  EXPECT_EQ(s.finish(), "x");
}

TEST(LineSplitter, RejectsOversizeLines) {
  LineSplitter exact(5);
  EXPECT_EQ(exact.feed("12345\n"), (std::vector<std::string>{"12345"}));
  // The limit counts the line, not its CRLF, however the bytes are split.
  EXPECT_TRUE(exact.feed("12345\r").empty());
  EXPECT_EQ(exact.feed("\n"), (std::vector<std::string>{"12345"}));

  LineSplitter complete(5);
  expect_stream_invalid(error_of([&] { (void)complete.feed("123456\n"); }));

  // An unfinished line is refused once it is certainly too long, before any newline arrives.
  LineSplitter unfinished(5);
  EXPECT_TRUE(unfinished.feed("1234").empty());
  expect_stream_invalid(error_of([&] { (void)unfinished.feed("56"); }));

  LineSplitter glued(5);
  EXPECT_TRUE(glued.feed("12345\r").empty());
  expect_stream_invalid(error_of([&] { (void)glued.feed("x"); }));
}

}  // namespace
}  // namespace dokkerr::docker
