#include "jit/code_buffer.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace rwd::jit {

CodeBuffer::CodeBuffer(size_t capacity_bytes) : capacity_(capacity_bytes) {
  void* p = mmap(nullptr, capacity_bytes, PROT_READ | PROT_WRITE | PROT_EXEC,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    throw std::runtime_error("cannot map " + std::to_string(capacity_bytes >> 20) +
                             " MiB of executable memory for the code cache: " +
                             std::strerror(errno));
  }
  base_ = static_cast<uint8_t*>(p);
}

CodeBuffer::~CodeBuffer() { munmap(base_, capacity_); }

}  // namespace rwd::jit
