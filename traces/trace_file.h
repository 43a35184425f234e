// A recording on disk: a header (what ran), then every nondeterministic input as events in
// chunks, then an index of the chunks and an end marker. Frames of traces/frame_file.h carrying
// the Cap'n Proto messages of traces/trace.capnp; see traces/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "traces/frame_file.h"
#include "traces/image_digest.h"

namespace rwd::trace {

inline constexpr uint32_t kTraceFormatVersion = 1;
inline constexpr std::string_view kTraceMagic = "RWDTRACE";
enum FrameKind : uint32_t { kHeaderFrame = 1, kChunkFrame = 2, kIndexFrame = 3, kEndFrame = 4 };

// Limits both sides enforce, so a writer never produces what a reader refuses and a damaged file
// cannot make the reader allocate without bound.
inline constexpr size_t kMaxEventData = 16u << 20;
inline constexpr size_t kMaxEventText = 64u << 10;
inline constexpr size_t kMaxHeaderItems = 4096;  // run args, images

struct TraceHeader {
  uint32_t format_version = kTraceFormatVersion;
  std::vector<std::string> run_args;   // the run options as the user gave them (QEMU spellings)
  std::vector<ImageDigest> images;     // firmware, kernel, initrd, disks
  uint64_t hash_interval = 0;          // instructions between kStateHash events
  std::string recorder;                // free text, e.g. "rewind 0.1, tier jit"
};

enum class EventKind : uint8_t { kWallClock, kEntropy, kConsoleInput, kIdle, kStateHash, kStop, kEnd };
inline constexpr int kEventKindCount = 7;
const char* event_kind_name(EventKind k);  // "wall-clock", "entropy", ...

struct Event {
  EventKind kind = EventKind::kWallClock;
  uint64_t clock = 0;    // virtual time when it happened (instructions retired + idle time)
  uint64_t icount = 0;   // instructions retired then
  uint64_t value = 0;    // kWallClock: Unix ns; kIdle: the clock the hart resumed at; kStateHash / kEnd: the state hash
  int32_t exit_code = 0; // kStop, kEnd
  std::vector<uint8_t> data;  // kEntropy: the bytes; kConsoleInput: bytes typed; kIdle: bytes typed while idle
  std::string text;      // kStop, kEnd: the reason ("power-off", "quit from the console")
  bool operator==(const Event&) const = default;
};

struct ChunkInfo {
  uint64_t offset = 0;        // of the chunk's frame in the file
  uint64_t first_event = 0;
  uint32_t event_count = 0;
  uint64_t first_clock = 0;
  uint64_t last_clock = 0;
  uint64_t stored_bytes = 0;  // LZ4 bytes on disk (without the 24-byte frame header)
  uint64_t raw_bytes = 0;     // bytes of the Cap'n Proto message
  bool operator==(const ChunkInfo&) const = default;
};

// Decoding and validation of one frame payload exactly as TraceReader does it; exposed so the
// fuzz target can reach the message decoder directly (checksums keep random bytes from it).
bool decode_header_message(const std::vector<uint8_t>& message, TraceHeader* header,
                           std::string* problem);
bool decode_chunk_message(const std::vector<uint8_t>& message, uint64_t* first_event,
                          std::vector<Event>* events, std::string* problem);

class TraceWriter {
 public:
  // Writes the header frame immediately. Errors: "PATH: cannot create: ...", "PATH: write failed: ...".
  static std::unique_ptr<TraceWriter> create(const std::string& path, const TraceHeader& header,
                                             std::string* error);
  // Without finish(), only what was flushed is on disk: the same as after a kill -9, which
  // readers report as a truncated trace.
  ~TraceWriter();

  // Buffers the event. A chunk is written when it holds chunk_event_limit events or ~1 MiB of
  // data, and always right after a kStateHash event (so chunks line up with hash intervals and
  // seeking is by interval). False on an I/O error or an event over the size limits (error()
  // says which); later calls keep failing.
  bool append(const Event& e);
  bool flush();   // writes the buffered events as a chunk now (if any)
  bool finish();  // last chunk, then the index frame, then the end frame; then fsync + close
  uint64_t bytes_written() const;   // on disk so far
  uint64_t events_written() const { return events_written_; }  // in chunks on disk so far
  const std::string& error() const { return error_; }
  void set_chunk_event_limit(uint32_t n) { chunk_event_limit_ = n ? n : 1; }

 private:
  explicit TraceWriter(std::unique_ptr<FrameWriter> out) : out_(std::move(out)) {}
  bool fail(std::string message);
  bool write_message_frame(uint32_t kind, const std::vector<uint8_t>& message);

  std::unique_ptr<FrameWriter> out_;
  std::string path_;
  std::vector<Event> pending_;
  size_t pending_bytes_ = 0;
  uint32_t chunk_event_limit_ = 4096;
  uint64_t events_written_ = 0;
  std::vector<ChunkInfo> chunks_;
  bool failed_ = false, finished_ = false;
  std::string error_;
};

class TraceReader {
 public:
  // Reads and validates the header. Errors: "PATH: no such file", "PATH: not a Rewind trace",
  // "PATH: trace format version 2 is not supported (this build reads versions up to 1)",
  // "PATH: corrupt header (...)".
  static std::unique_ptr<TraceReader> open(const std::string& path, std::string* error);
  // The same over bytes in memory (errors without the path).
  static std::unique_ptr<TraceReader> open_memory(std::vector<uint8_t> bytes, std::string* error);
  ~TraceReader();

  const TraceHeader& header() const { return header_; }

  // The next event in recording order; false when there are no more (then status()/message()).
  bool next(Event* e);
  enum class Status { kReading, kComplete, kTruncated, kCorrupt };
  Status status() const { return status_; }
  // kTruncated: "trace is cut off after chunk 12 (byte 1234567): the recording did not finish";
  // kCorrupt: "chunk 7 at byte 8899 is corrupt (checksum mismatch)".
  const std::string& message() const { return message_; }
  uint64_t events_read() const { return events_read_; }  // = number of the next event

  // Uses the index frame when present, else scans chunks; next() then returns that event.
  // Seeking to the event count (just past the last event) is allowed.
  bool seek_to_event(uint64_t event_number, std::string* error);
  // All chunks (from the index, or by a scan), for `trace info`. On a corrupt chunk *error says
  // so and the list holds the chunks before it; a truncated trace lists its whole chunks with no
  // error. Does not move the reading position.
  std::vector<ChunkInfo> chunks(std::string* error);
  bool has_index();  // whether chunks() comes from an index frame (a finished recording)
  // The uncompressed TraceChunk message of chunk `number` (0-based), for `capnp decode`.
  bool raw_chunk(uint64_t number, std::vector<uint8_t>* message, std::string* error);

 private:
  TraceReader() = default;
  static std::unique_ptr<TraceReader> finish_open(std::unique_ptr<FrameReader> frames,
                                                  const std::string& prefix, std::string* error);
  bool fail(Status s, std::string message);
  bool load_chunk_list(std::string* error);
  bool read_index_from_end();

  std::unique_ptr<FrameReader> frames_;
  TraceHeader header_;
  uint64_t first_frame_ = 0;       // where the frames after the header start
  Status status_ = Status::kReading;
  std::string message_;
  std::vector<Event> chunk_;       // the events of the current chunk
  size_t in_chunk_ = 0;            // next event within chunk_
  uint64_t chunk_number_ = 0;      // of the next chunk frame to read
  uint64_t events_read_ = 0;
  bool chunks_loaded_ = false, index_found_ = false;
  std::vector<ChunkInfo> chunk_list_;
  std::string chunk_list_error_;
};

}  // namespace rwd::trace
