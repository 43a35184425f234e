// A little-endian byte stream for device and machine state (snapshots). Readers check every
// length, so a corrupt snapshot is an error with a message, never a crash.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace rwd::dev {

class StateError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateWriter {
 public:
  void u8(uint8_t v) { bytes(&v, 1); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void boolean(bool v) { u8(v ? 1 : 0); }
  void bytes(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    data_.insert(data_.end(), b, b + n);
  }
  void blob(const std::vector<uint8_t>& v) {
    u64(v.size());
    bytes(v.data(), v.size());
  }
  const std::vector<uint8_t>& data() const { return data_; }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) data_.push_back(uint8_t(v >> (8 * i)));
  }
  std::vector<uint8_t> data_;
};

class StateReader {
 public:
  StateReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  explicit StateReader(const std::vector<uint8_t>& v) : StateReader(v.data(), v.size()) {}
  uint8_t u8() {
    uint8_t v;
    bytes(&v, 1);
    return v;
  }
  uint32_t u32() { return uint32_t(le(4)); }
  uint64_t u64() { return le(8); }
  bool boolean() {
    const uint8_t v = u8();
    if (v > 1) throw StateError("state: bad boolean");
    return v == 1;
  }
  void bytes(void* p, size_t n) {
    if (n > size_ - pos_) throw StateError("state: truncated");
    std::memcpy(p, data_ + pos_, n);
    pos_ += n;
  }
  std::vector<uint8_t> blob(size_t max_size) {
    const uint64_t n = u64();
    if (n > max_size || n > size_ - pos_) throw StateError("state: bad blob length");
    std::vector<uint8_t> v(n);
    bytes(v.data(), n);
    return v;
  }
  bool at_end() const { return pos_ == size_; }

 private:
  uint64_t le(int n) {
    uint8_t b[8];
    bytes(b, size_t(n));
    uint64_t v = 0;
    for (int i = 0; i < n; ++i) v |= uint64_t(b[i]) << (8 * i);
    return v;
  }
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

}  // namespace rwd::dev
