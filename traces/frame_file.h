// The frame container every Rewind file on disk uses (traces today, snapshots later): a small
// file header, then a sequence of self-checking, LZ4-compressed frames. A frame is written with a
// single write(2), so a recorder killed at any moment leaves whole frames followed at most by one
// partial frame, which readers report as "truncated" rather than as damage.
//
// Layout (all integers little endian):
//   file:  8-byte file magic | u32 format version | frames...
//   frame: u32 'RWDF' | u32 kind | u32 raw size | u32 stored size |
//          u64 XXH64(kind, raw size, stored bytes) | stored bytes (one LZ4 block of the payload)
// An empty payload is stored as zero bytes (LZ4 has no use for a block of nothing).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rwd::trace {

inline constexpr size_t kFileHeaderBytes = 12;
inline constexpr size_t kFrameHeaderBytes = 24;
// Bounds what a reader allocates for one frame, whatever a damaged size field claims.
inline constexpr uint32_t kMaxFramePayload = 256u << 20;

class FrameWriter {
 public:
  // Creates (truncating) `path` and writes the file header. `file_magic` must be 8 bytes.
  static std::unique_ptr<FrameWriter> create(const std::string& path, std::string_view file_magic,
                                             uint32_t version, std::string* error);
  ~FrameWriter();  // closes without fsync: an abandoned writer leaves what a kill -9 would
  FrameWriter(const FrameWriter&) = delete;
  FrameWriter& operator=(const FrameWriter&) = delete;

  // Compresses the payload and appends the frame with one write(2). False on an I/O error or a
  // payload over kMaxFramePayload; after a failure every later call fails too (the file may end
  // in a partial frame, which readers see as truncation).
  bool write_frame(uint32_t kind, std::span<const uint8_t> payload);
  bool close();  // fsync + close; idempotent
  uint64_t offset() const { return offset_; }  // bytes written so far = where the next frame starts
  const std::string& error() const { return error_; }  // "PATH: write failed: <strerror>"

 private:
  FrameWriter(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  bool fail(const std::string& what);
  bool write_all(const uint8_t* data, size_t size);

  int fd_ = -1;
  std::string path_;
  uint64_t offset_ = 0;
  bool failed_ = false;
  std::string error_;
  std::vector<uint8_t> buffer_;  // reused frame buffer (header + compressed bytes)
};

// What the caller expects of a file beyond its magic; only used to word open() errors.
struct FileKind {
  std::string_view name = "file";          // "not a Rewind <name>"
  uint32_t newest_version = UINT32_MAX;    // newer versions are refused by open()
};

class FrameReader {
 public:
  // Errors start with the path: "PATH: no such file", "PATH: not a Rewind trace",
  // "PATH: trace format version 9 is not supported (this build reads versions up to 1)".
  static std::unique_ptr<FrameReader> open(const std::string& path, std::string_view file_magic,
                                           std::string* error, FileKind kind = {});
  // The same over bytes in memory; errors have no path prefix.
  static std::unique_ptr<FrameReader> open_memory(std::vector<uint8_t> bytes,
                                                  std::string_view file_magic, std::string* error,
                                                  FileKind kind = {});
  ~FrameReader();
  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  uint32_t version() const { return version_; }

  enum class Next { kFrame, kEnd, kTruncated, kCorrupt };
  // Reads the frame at offset(). kEnd only at a clean end of file. On kTruncated/kCorrupt the
  // position stays on the bad frame (calling again gives the same answer) and error() says why.
  Next next(uint32_t* kind, std::vector<uint8_t>* payload);
  // Moves to a frame boundary previously seen via offset(); false if outside the file's frames.
  bool seek(uint64_t offset);
  uint64_t offset() const { return pos_; }
  uint64_t size() const { return size_; }  // the file's size in bytes
  // After kTruncated/kCorrupt: "frame 12 at byte 3456: checksum mismatch".
  const std::string& error() const { return error_; }
  // The same without the position ("checksum mismatch"), for callers that word their own.
  const std::string& problem() const { return problem_; }

 private:
  FrameReader() = default;
  static std::unique_ptr<FrameReader> check_header(std::unique_ptr<FrameReader> r,
                                                   const std::string& prefix,
                                                   std::string_view file_magic, FileKind kind,
                                                   std::string* error);
  Next stop(Next how, std::string problem);

  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  void* map_ = nullptr;           // mmap of the file (open), or null (open_memory / empty file)
  std::vector<uint8_t> owned_;    // the bytes given to open_memory
  uint32_t version_ = 0;
  uint64_t pos_ = 0;
  uint64_t frame_number_ = 0;     // of the frame at pos_; meaningless after a seek
  bool number_known_ = true;
  std::string error_, problem_;
};

}  // namespace rwd::trace
