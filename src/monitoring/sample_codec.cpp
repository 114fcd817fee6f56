#include "monitoring/sample_codec.hpp"

#include "core/error.hpp"

#include <array>
#include <cstdint>
#include <type_traits>
#include <zlib.h>

namespace dokkerr::monitoring {
namespace {

constexpr unsigned char kFormat = 1;
constexpr std::uint64_t kNsPerUs = 1000;

enum class Coding { delta, delta_of_delta };

// One column: how to read and write the field, and how it changes.
struct Column {
  std::uint64_t (*get)(const CounterSample&);
  void (*set)(CounterSample&, std::uint64_t);
  Coding coding;
};

template <auto Field>
constexpr Column column_of(Coding coding) {
  return Column{[](const CounterSample& s) { return static_cast<std::uint64_t>(s.*Field); },
                [](CounterSample& s, std::uint64_t v) {
                  s.*Field = static_cast<std::remove_reference_t<decltype(s.*Field)>>(v);
                },
                coding};
}

const std::array kColumns{
    column_of<&CounterSample::at_ms>(Coding::delta_of_delta),
    Column{[](const CounterSample& s) { return s.cpu_ns / kNsPerUs; },
           [](CounterSample& s, std::uint64_t v) { s.cpu_ns = v * kNsPerUs; },
           Coding::delta_of_delta},
    Column{[](const CounterSample& s) { return s.cpu_throttled_ns / kNsPerUs; },
           [](CounterSample& s, std::uint64_t v) { s.cpu_throttled_ns = v * kNsPerUs; },
           Coding::delta_of_delta},
    column_of<&CounterSample::memory_bytes>(Coding::delta),
    column_of<&CounterSample::memory_limit>(Coding::delta),
    column_of<&CounterSample::memory_cache>(Coding::delta),
    column_of<&CounterSample::oom_kills>(Coding::delta),
    column_of<&CounterSample::net_rx_bytes>(Coding::delta_of_delta),
    column_of<&CounterSample::net_tx_bytes>(Coding::delta_of_delta),
    column_of<&CounterSample::net_rx_packets>(Coding::delta_of_delta),
    column_of<&CounterSample::net_tx_packets>(Coding::delta_of_delta),
    column_of<&CounterSample::net_rx_errors>(Coding::delta),
    column_of<&CounterSample::net_tx_errors>(Coding::delta),
    column_of<&CounterSample::block_read_bytes>(Coding::delta_of_delta),
    column_of<&CounterSample::block_write_bytes>(Coding::delta_of_delta),
    column_of<&CounterSample::pids>(Coding::delta),
};

constexpr std::size_t kMaxVarint = 10;
// Raw size bound: every value a full varint, plus the header.
constexpr std::size_t kMaxRawBytes = kMaxPackedSamples * kColumns.size() * kMaxVarint;

[[noreturn]] void corrupt(std::string_view why) {
  throw Error::internal_error("history_corrupt: " + std::string(why));
}

void put_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80U) {
    out.push_back(static_cast<char>((value & 0x7FU) | 0x80U));
    value >>= 7U;
  }
  out.push_back(static_cast<char>(value));
}

std::uint64_t get_varint(std::string_view in, std::size_t& at) {
  std::uint64_t value = 0;
  for (unsigned shift = 0; shift < 64; shift += 7) {
    if (at >= in.size()) corrupt("truncated");
    const auto byte = static_cast<unsigned char>(in[at++]);
    value |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
    if ((byte & 0x80U) == 0) return value;
  }
  corrupt("varint too long");
}

// Differences are taken modulo 2^64 and read as signed, so any pair of values round-trips.
std::uint64_t zigzag(std::uint64_t difference) {
  const auto signed_difference = static_cast<std::int64_t>(difference);
  return (difference << 1U) ^ static_cast<std::uint64_t>(signed_difference >> 63);
}

std::uint64_t unzigzag(std::uint64_t value) {
  return (value >> 1U) ^ (~(value & 1U) + 1U);
}

}  // namespace

std::string pack_samples(std::span<const CounterSample> samples) {
  if (samples.size() > kMaxPackedSamples) {
    throw Error::internal_error("pack_samples: too many samples in one chunk");
  }
  std::string raw;
  raw.reserve(samples.size() * kColumns.size() * 2);
  for (const auto& column : kColumns) {
    std::uint64_t previous = 0, previous_delta = 0;
    for (const auto& sample : samples) {
      const std::uint64_t value = column.get(sample);
      const std::uint64_t delta = value - previous;
      put_varint(raw, zigzag(column.coding == Coding::delta ? delta : delta - previous_delta));
      previous = value;
      previous_delta = delta;
    }
  }
  std::string out;
  out.push_back(static_cast<char>(kFormat));
  put_varint(out, samples.size());
  put_varint(out, raw.size());
  const auto header = out.size();
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  out.resize(header + packed_size);
  const int rc = compress2(reinterpret_cast<Bytef*>(out.data() + header), &packed_size,
                           reinterpret_cast<const Bytef*>(raw.data()),
                           static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  if (rc != Z_OK) throw Error::internal_error("pack_samples: deflate failed");
  out.resize(header + packed_size);
  return out;
}

std::vector<CounterSample> unpack_samples(std::string_view packed) {
  std::size_t at = 0;
  if (packed.empty() || static_cast<unsigned char>(packed[at++]) != kFormat) {
    corrupt("unknown format");
  }
  const auto count = get_varint(packed, at);
  const auto raw_size = get_varint(packed, at);
  if (count > kMaxPackedSamples || raw_size > kMaxRawBytes) corrupt("too large");
  std::string raw(raw_size, '\0');
  uLongf produced = static_cast<uLongf>(raw_size);
  const int rc = uncompress(reinterpret_cast<Bytef*>(raw.data()), &produced,
                            reinterpret_cast<const Bytef*>(packed.data() + at),
                            static_cast<uLong>(packed.size() - at));
  if (rc != Z_OK || produced != raw_size) corrupt("inflate failed");

  std::vector<CounterSample> samples(count);
  std::size_t in = 0;
  for (const auto& column : kColumns) {
    std::uint64_t previous = 0, previous_delta = 0;
    for (auto& sample : samples) {
      const std::uint64_t coded = unzigzag(get_varint(raw, in));
      const std::uint64_t delta = column.coding == Coding::delta ? coded : coded + previous_delta;
      const std::uint64_t value = previous + delta;
      column.set(sample, value);
      previous = value;
      previous_delta = delta;
    }
  }
  if (in != raw.size()) corrupt("trailing bytes");
  return samples;
}

}  // namespace dokkerr::monitoring
