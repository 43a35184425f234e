// Flat Cap'n Proto messages as frame payloads, shared by trace and snapshot files: encoding,
// and decoding that turns every way a message can be malformed into a one-line problem.
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/core.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace rwd::trace {

inline std::vector<uint8_t> to_bytes(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  auto bytes = words.asBytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

// Runs `read(root, problem)` over a flat message. Cap'n Proto throws kj::Exception on bad
// pointers, limits and missing text terminators; those become *problem.
template <typename Root, typename Fn>
bool read_message(const std::vector<uint8_t>& payload, std::string* problem, Fn&& read) {
  if (payload.empty() || payload.size() % sizeof(capnp::word) != 0) {
    *problem = fmt::format("message of {} bytes is not whole words", payload.size());
    return false;
  }
  // The vector's storage comes from operator new, which aligns at least to 16 bytes.
  kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(payload.data()),
                                        payload.size() / sizeof(capnp::word));
  capnp::ReaderOptions options;
  // A few times the message size: generous for honest messages, and it stops messages whose
  // pointers revisit the same bytes over and over from costing more than their size.
  options.traversalLimitInWords = words.size() * 4 + 1024;
  options.nestingLimit = 16;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    return read(reader.getRoot<Root>(), problem);
  } catch (const kj::Exception& e) {
    std::string what(e.getDescription().cStr());
    what = what.substr(0, std::min(what.find('\n'), size_t(120)));
    *problem = "invalid Cap'n Proto message: " + what;
    return false;
  }
}

}  // namespace rwd::trace
