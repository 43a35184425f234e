// Executable memory for translated code: one mapping, filled front to back, emptied all at once.
// Code is never freed piecemeal, so a stale jump into a dropped block still lands in memory that
// holds valid (if unused) code until the next flush.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rwd::jit {

class CodeBuffer {
 public:
  explicit CodeBuffer(size_t capacity_bytes);
  ~CodeBuffer();
  CodeBuffer(const CodeBuffer&) = delete;
  CodeBuffer& operator=(const CodeBuffer&) = delete;

  uint8_t* cursor() const { return base_ + used_; }
  size_t remaining() const { return capacity_ - used_; }
  void commit(size_t bytes) { used_ += bytes; }
  // Forget everything after `keep` bytes (the permanent stubs generated first).
  void reset_to(size_t keep) { used_ = keep; }
  size_t used() const { return used_; }
  size_t capacity() const { return capacity_; }
  bool contains(const void* p) const {
    auto* b = static_cast<const uint8_t*>(p);
    return b >= base_ && b < base_ + capacity_;
  }

 private:
  uint8_t* base_;
  size_t capacity_;
  size_t used_ = 0;
};

}  // namespace rwd::jit
