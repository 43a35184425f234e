#include "traces/frame_file.h"

#include <fcntl.h>
#include <lz4.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
// The state struct on the stack needs the "static linking" declarations (stable since 0.8).
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/core.h>

namespace rwd::trace {
namespace {

constexpr uint32_t kFrameMagic = 0x46445752;  // "RWDF" read as a little-endian u32

void put32(uint8_t* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = uint8_t(v >> (8 * i));
}
void put64(uint8_t* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = uint8_t(v >> (8 * i));
}
uint32_t get32(const uint8_t* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(p[i]) << (8 * i);
  return v;
}
uint64_t get64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

// The checksum covers the fields a reader trusts to size and interpret the frame, so a damaged
// kind or size is caught along with damaged data. The frame magic is checked on its own.
uint64_t frame_checksum(uint32_t kind, uint32_t raw_size, const uint8_t* stored, size_t n) {
  uint8_t fields[8];
  put32(fields, kind);
  put32(fields + 4, raw_size);
  XXH64_state_t state;
  XXH64_reset(&state, 0);
  XXH64_update(&state, fields, sizeof fields);
  if (n) XXH64_update(&state, stored, n);
  return XXH64_digest(&state);
}

std::string with_prefix(const std::string& prefix, const std::string& what) {
  return prefix.empty() ? what : prefix + ": " + what;
}

}  // namespace

// ---- FrameWriter ----

std::unique_ptr<FrameWriter> FrameWriter::create(const std::string& path,
                                                 std::string_view file_magic, uint32_t version,
                                                 std::string* error) {
  if (file_magic.size() != 8) {
    *error = fmt::format("{}: internal error: file magic must be 8 bytes", path);
    return nullptr;
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = fmt::format("{}: cannot create: {}", path, std::strerror(errno));
    return nullptr;
  }
  std::unique_ptr<FrameWriter> w(new FrameWriter(fd, path));
  uint8_t header[kFileHeaderBytes];
  std::memcpy(header, file_magic.data(), 8);
  put32(header + 8, version);
  if (!w->write_all(header, sizeof header)) {
    *error = w->error_;
    return nullptr;
  }
  return w;
}

FrameWriter::~FrameWriter() {
  if (fd_ >= 0) ::close(fd_);
}

bool FrameWriter::fail(const std::string& what) {
  if (!failed_) error_ = fmt::format("{}: {}", path_, what);
  failed_ = true;
  return false;
}

bool FrameWriter::write_all(const uint8_t* data, size_t size) {
  // One write(2) normally does it all; the loop only matters for signals and short writes
  // near a full disk, after which the next write reports the real error.
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(fmt::format("write failed: {}", std::strerror(errno)));
    }
    if (n == 0) return fail("write failed: the file accepts no more data");
    data += n;
    size -= size_t(n);
    offset_ += uint64_t(n);
  }
  return true;
}

bool FrameWriter::write_frame(uint32_t kind, std::span<const uint8_t> payload) {
  if (failed_) return false;
  if (fd_ < 0) return fail("write failed: the file is already closed");
  if (payload.size() > kMaxFramePayload) {
    return fail(fmt::format("frame of {} bytes exceeds the {} MiB limit", payload.size(),
                            kMaxFramePayload >> 20));
  }
  const int raw = int(payload.size());
  const int bound = raw ? LZ4_compressBound(raw) : 0;
  buffer_.resize(kFrameHeaderBytes + size_t(bound));
  int stored = 0;
  if (raw) {
    stored = LZ4_compress_default(reinterpret_cast<const char*>(payload.data()),
                                  reinterpret_cast<char*>(buffer_.data() + kFrameHeaderBytes),
                                  raw, bound);
    if (stored <= 0) return fail("LZ4 compression failed");
  }
  uint8_t* h = buffer_.data();
  put32(h, kFrameMagic);
  put32(h + 4, kind);
  put32(h + 8, uint32_t(raw));
  put32(h + 12, uint32_t(stored));
  put64(h + 16, frame_checksum(kind, uint32_t(raw), h + kFrameHeaderBytes, size_t(stored)));
  return write_all(h, kFrameHeaderBytes + size_t(stored));
}

bool FrameWriter::close() {
  if (fd_ < 0) return !failed_;
  // Devices and pipes cannot be synced; that is no reason to call the recording failed.
  if (::fsync(fd_) != 0 && errno != EINVAL && errno != EROFS && !failed_) {
    fail(fmt::format("fsync failed: {}", std::strerror(errno)));
  }
  if (::close(fd_) != 0 && !failed_) fail(fmt::format("close failed: {}", std::strerror(errno)));
  fd_ = -1;
  return !failed_;
}

// ---- FrameReader ----

std::unique_ptr<FrameReader> FrameReader::check_header(std::unique_ptr<FrameReader> r,
                                                       const std::string& prefix,
                                                       std::string_view file_magic, FileKind kind,
                                                       std::string* error) {
  if (file_magic.size() != 8) {
    *error = with_prefix(prefix, "internal error: file magic must be 8 bytes");
    return nullptr;
  }
  const size_t have = size_t(std::min<uint64_t>(r->size_, 8));
  if (std::memcmp(r->data_, file_magic.data(), have) != 0 || r->size_ == 0) {
    *error = with_prefix(prefix, r->size_ == 0 ? fmt::format("empty file, not a Rewind {}", kind.name)
                                               : fmt::format("not a Rewind {}", kind.name));
    return nullptr;
  }
  if (r->size_ < kFileHeaderBytes) {
    *error = with_prefix(prefix, fmt::format("truncated: the file ends inside its {}-byte header",
                                             kFileHeaderBytes));
    return nullptr;
  }
  r->version_ = get32(r->data_ + 8);
  if (r->version_ == 0 || r->version_ > kind.newest_version) {
    *error = with_prefix(prefix, fmt::format("{} format version {} is not supported (this build "
                                             "reads versions up to {})",
                                             kind.name, r->version_, kind.newest_version));
    return nullptr;
  }
  r->pos_ = kFileHeaderBytes;
  return r;
}

std::unique_ptr<FrameReader> FrameReader::open(const std::string& path,
                                               std::string_view file_magic, std::string* error,
                                               FileKind kind) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    *error = errno == ENOENT ? fmt::format("{}: no such file", path)
                             : fmt::format("{}: cannot open: {}", path, std::strerror(errno));
    return nullptr;
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    *error = fmt::format("{}: not a regular file", path);
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<FrameReader> r(new FrameReader());
  r->size_ = uint64_t(st.st_size);
  if (r->size_ > 0) {
    // A mapping instead of reads: chunks are then decompressed straight from the page cache and
    // seeking costs nothing, however large the recording.
    void* m = ::mmap(nullptr, r->size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      *error = fmt::format("{}: cannot map: {}", path, std::strerror(errno));
      ::close(fd);
      return nullptr;
    }
    r->map_ = m;
    r->data_ = static_cast<const uint8_t*>(m);
  } else {
    r->data_ = reinterpret_cast<const uint8_t*>("");
  }
  ::close(fd);
  return check_header(std::move(r), path, file_magic, kind, error);
}

std::unique_ptr<FrameReader> FrameReader::open_memory(std::vector<uint8_t> bytes,
                                                      std::string_view file_magic,
                                                      std::string* error, FileKind kind) {
  std::unique_ptr<FrameReader> r(new FrameReader());
  r->owned_ = std::move(bytes);
  r->size_ = r->owned_.size();
  r->data_ = r->size_ ? r->owned_.data() : reinterpret_cast<const uint8_t*>("");
  return check_header(std::move(r), "", file_magic, kind, error);
}

FrameReader::~FrameReader() {
  if (map_) ::munmap(map_, size_);
}

FrameReader::Next FrameReader::stop(Next how, std::string problem) {
  problem_ = std::move(problem);
  error_ = number_known_ ? fmt::format("frame {} at byte {}: {}", frame_number_, pos_, problem_)
                         : fmt::format("frame at byte {}: {}", pos_, problem_);
  return how;
}

FrameReader::Next FrameReader::next(uint32_t* kind, std::vector<uint8_t>* payload) {
  const uint64_t left = size_ - pos_;
  if (left == 0) return Next::kEnd;
  if (left < kFrameHeaderBytes) {
    return stop(Next::kTruncated, fmt::format("the file ends inside the frame header ({} of {} "
                                              "bytes)", left, kFrameHeaderBytes));
  }
  const uint8_t* h = data_ + pos_;
  if (get32(h) != kFrameMagic) return stop(Next::kCorrupt, "bad frame magic");
  const uint32_t k = get32(h + 4);
  const uint32_t raw = get32(h + 8);
  const uint32_t stored = get32(h + 12);
  // Sizes are judged before anything is allocated or hashed: a damaged field must not make the
  // reader allocate gigabytes or read past the file.
  if (raw > kMaxFramePayload) {
    return stop(Next::kCorrupt, fmt::format("frame size {} exceeds the {} MiB limit", raw,
                                            kMaxFramePayload >> 20));
  }
  if ((raw == 0) != (stored == 0) || (raw && stored > uint32_t(LZ4_compressBound(int(raw))))) {
    return stop(Next::kCorrupt,
                fmt::format("stored size {} is impossible for {} bytes of data", stored, raw));
  }
  if (left - kFrameHeaderBytes < stored) {
    return stop(Next::kTruncated, fmt::format("the file ends inside the frame ({} of {} bytes)",
                                              left, kFrameHeaderBytes + uint64_t(stored)));
  }
  const uint8_t* body = h + kFrameHeaderBytes;
  if (frame_checksum(k, raw, body, stored) != get64(h + 16)) {
    return stop(Next::kCorrupt, "checksum mismatch");
  }
  payload->resize(raw);
  if (raw) {
    const int n = LZ4_decompress_safe(reinterpret_cast<const char*>(body),
                                      reinterpret_cast<char*>(payload->data()), int(stored),
                                      int(raw));
    if (n != int(raw)) {
      payload->clear();
      return stop(Next::kCorrupt, "LZ4 data is invalid");
    }
  }
  *kind = k;
  pos_ += kFrameHeaderBytes + stored;
  ++frame_number_;
  error_.clear();
  problem_.clear();
  return Next::kFrame;
}

bool FrameReader::seek(uint64_t offset) {
  if (offset < kFileHeaderBytes || offset > size_) return false;
  if (offset == kFileHeaderBytes) {
    frame_number_ = 0;
    number_known_ = true;
  } else if (offset != pos_) {
    number_known_ = false;
  }
  pos_ = offset;
  error_.clear();
  problem_.clear();
  return true;
}

}  // namespace rwd::trace
