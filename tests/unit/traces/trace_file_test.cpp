// The trace format: round trips of every event kind, chunking, seeking with and without the
// index, unfinished recordings, I/O errors, and damaged files read without crashing.
#include "traces/trace_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <iterator>

#include "tests/unit/traces/sample_trace.h"

namespace rwd::trace {
namespace {

using testing::sample_events;
using testing::sample_header;

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("rwd-trace-" + std::to_string(getpid()) + "-" + name))
      .string();
}

std::vector<uint8_t> read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

// Writes the events; finish() unless `finish` is false (then flush() only, like a killed run).
std::vector<uint8_t> write_trace(const std::vector<Event>& events, bool finish = true,
                                 uint32_t chunk_limit = 4096) {
  const std::string path = temp_path("w");
  std::string error;
  {
    auto w = TraceWriter::create(path, sample_header(), &error);
    EXPECT_TRUE(w) << error;
    if (!w) return {};
    w->set_chunk_event_limit(chunk_limit);
    for (const Event& e : events) EXPECT_TRUE(w->append(e)) << w->error();
    if (finish) {
      EXPECT_TRUE(w->finish()) << w->error();
      EXPECT_EQ(w->events_written(), events.size());
      EXPECT_EQ(w->bytes_written(), std::filesystem::file_size(path));
    } else {
      EXPECT_TRUE(w->flush()) << w->error();
    }
  }
  auto bytes = read_all(path);
  std::filesystem::remove(path);
  return bytes;
}

std::vector<Event> read_events(TraceReader& r) {
  std::vector<Event> out;
  Event e;
  while (r.next(&e)) out.push_back(e);
  return out;
}

TEST(TraceFile, RoundTripOfEveryEventKind) {
  const auto events = sample_events();
  const std::string path = temp_path("roundtrip");
  {
    std::string error;
    auto w = TraceWriter::create(path, sample_header(), &error);
    ASSERT_TRUE(w) << error;
    for (const Event& e : events) ASSERT_TRUE(w->append(e));
    ASSERT_TRUE(w->finish()) << w->error();
  }
  std::string error;
  auto r = TraceReader::open(path, &error);
  ASSERT_TRUE(r) << error;
  const TraceHeader& h = r->header();
  const TraceHeader want = sample_header();
  EXPECT_EQ(h.format_version, kTraceFormatVersion);
  EXPECT_EQ(h.run_args, want.run_args);
  ASSERT_EQ(h.images.size(), want.images.size());
  for (size_t i = 0; i < h.images.size(); ++i) {
    EXPECT_EQ(h.images[i].role, want.images[i].role);
    EXPECT_EQ(h.images[i].path, want.images[i].path);
    EXPECT_EQ(h.images[i].size, want.images[i].size);
    EXPECT_EQ(h.images[i].xxh64, want.images[i].xxh64);
  }
  EXPECT_EQ(h.hash_interval, want.hash_interval);
  EXPECT_EQ(h.recorder, want.recorder);
  EXPECT_EQ(read_events(*r), events);
  EXPECT_EQ(r->status(), TraceReader::Status::kComplete);
  EXPECT_EQ(r->events_read(), events.size());
  Event e;
  EXPECT_FALSE(r->next(&e));  // stays finished
  std::set<EventKind> kinds;
  for (const Event& ev : events) kinds.insert(ev.kind);
  EXPECT_EQ(kinds.size(), size_t(kEventKindCount));
  std::filesystem::remove(path);
}

TEST(TraceFile, EmptyTrace) {
  std::string error;
  auto r = TraceReader::open_memory(write_trace({}), &error);
  ASSERT_TRUE(r) << error;
  EXPECT_TRUE(read_events(*r).empty());
  EXPECT_EQ(r->status(), TraceReader::Status::kComplete);
  EXPECT_TRUE(r->chunks(&error).empty());
  EXPECT_TRUE(r->has_index());
  EXPECT_TRUE(r->seek_to_event(0, &error)) << error;
  EXPECT_FALSE(r->seek_to_event(1, &error));
  EXPECT_EQ(error, "event 1 is past the end of the trace (0 events)");
}

TEST(TraceFile, ChunksEndAtStateHashesAndAtTheEventLimit) {
  const auto events = sample_events(4);  // 4 rounds of 5 events, then stop and end
  std::string error;
  auto r = TraceReader::open_memory(write_trace(events), &error);
  ASSERT_TRUE(r) << error;
  auto chunks = r->chunks(&error);
  EXPECT_TRUE(error.empty()) << error;
  ASSERT_EQ(chunks.size(), 5u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(chunks[i].first_event, i * 5);
    EXPECT_EQ(chunks[i].event_count, 5u);
    EXPECT_EQ(events[chunks[i].first_event + 4].kind, EventKind::kStateHash);
    EXPECT_EQ(chunks[i].first_clock, events[i * 5].clock);
    EXPECT_EQ(chunks[i].last_clock, events[i * 5 + 4].clock);
    EXPECT_GT(chunks[i].stored_bytes, 0u);
    EXPECT_GT(chunks[i].raw_bytes, 0u);
  }
  EXPECT_EQ(chunks[4].event_count, 2u);

  // With a limit of 2 events, the 5-event intervals split 2+2+1.
  r = TraceReader::open_memory(write_trace(events, true, 2), &error);
  ASSERT_TRUE(r) << error;
  chunks = r->chunks(&error);
  ASSERT_EQ(chunks.size(), 13u);
  EXPECT_EQ(chunks[2].event_count, 1u);
  EXPECT_EQ(read_events(*r), events);
}

TEST(TraceFile, BigEntropyEventsStartNewChunks) {
  std::vector<Event> events;
  for (int i = 0; i < 5; ++i) {
    Event e;
    e.kind = EventKind::kEntropy;
    e.clock = e.icount = uint64_t(i);
    e.data.assign(400 << 10, uint8_t(i));
    events.push_back(e);
  }
  std::string error;
  auto r = TraceReader::open_memory(write_trace(events), &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(r->chunks(&error).size(), 2u);  // ~1 MiB each: 3 events, then 2
  EXPECT_EQ(read_events(*r), events);
}

// Checks that after seeking to n, next() yields exactly events[n...].
void expect_seek_works(TraceReader& r, const std::vector<Event>& events) {
  std::string error;
  for (uint64_t n : {uint64_t(7), uint64_t(0), uint64_t(events.size() - 1), uint64_t(5),
                     uint64_t(events.size()), uint64_t(12)}) {
    ASSERT_TRUE(r.seek_to_event(n, &error)) << n << ": " << error;
    EXPECT_EQ(r.events_read(), n);
    auto rest = read_events(r);
    EXPECT_EQ(rest, std::vector<Event>(events.begin() + long(n), events.end())) << n;
  }
  EXPECT_FALSE(r.seek_to_event(events.size() + 1, &error));
  EXPECT_NE(error.find("past the end"), std::string::npos) << error;
}

TEST(TraceFile, SeekWithIndex) {
  const auto events = sample_events(5);
  std::string error;
  auto r = TraceReader::open_memory(write_trace(events, true, 3), &error);
  ASSERT_TRUE(r) << error;
  EXPECT_TRUE(r->has_index());
  expect_seek_works(*r, events);
  EXPECT_EQ(r->status(), TraceReader::Status::kComplete);
}

TEST(TraceFile, SeekWithoutIndexScans) {
  const auto events = sample_events(5);
  std::string error;
  auto r = TraceReader::open_memory(write_trace(events, false, 3), &error);
  ASSERT_TRUE(r) << error;
  EXPECT_FALSE(r->has_index());
  expect_seek_works(*r, events);
  EXPECT_EQ(r->status(), TraceReader::Status::kTruncated);
}

TEST(TraceFile, IndexAgreesWithScan) {
  const auto events = sample_events(5);
  std::string error;
  auto finished = write_trace(events, true, 3);
  auto unfinished = write_trace(events, false, 3);
  auto a = TraceReader::open_memory(finished, &error);
  auto b = TraceReader::open_memory(unfinished, &error);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->chunks(&error), b->chunks(&error));
}

TEST(TraceFile, UnfinishedWriterReadsAsTruncatedWithFlushedEvents) {
  const auto events = sample_events(3);
  const std::string path = temp_path("unfinished");
  std::string error;
  {
    auto w = TraceWriter::create(path, sample_header(), &error);
    ASSERT_TRUE(w) << error;
    for (const Event& e : events) ASSERT_TRUE(w->append(e));
    // Destroyed without flush(): the last two events (stop, end) were still buffered.
  }
  auto r = TraceReader::open(path, &error);
  ASSERT_TRUE(r) << error;
  EXPECT_EQ(read_events(*r), std::vector<Event>(events.begin(), events.end() - 2));
  EXPECT_EQ(r->status(), TraceReader::Status::kTruncated);
  EXPECT_EQ(r->message(), "trace is cut off after chunk 2 (byte " +
                              std::to_string(std::filesystem::file_size(path)) +
                              "): the recording did not finish");
  std::filesystem::remove(path);

  r = TraceReader::open_memory(write_trace({}, false), &error);
  ASSERT_TRUE(r) << error;
  EXPECT_TRUE(read_events(*r).empty());
  EXPECT_EQ(r->message().rfind("trace is cut off after its header (byte ", 0), 0u) << r->message();
}

TEST(TraceFile, OpenErrors) {
  std::string error;
  const std::string path = temp_path("missing");
  EXPECT_FALSE(TraceReader::open(path, &error));
  EXPECT_EQ(error, path + ": no such file");
  EXPECT_FALSE(TraceReader::open_memory({'h', 'e', 'l', 'l', 'o'}, &error));
  EXPECT_EQ(error, "not a Rewind trace");
  auto bytes = write_trace(sample_events(1));
  bytes[8] = 2;  // format version 2
  EXPECT_FALSE(TraceReader::open_memory(bytes, &error));
  EXPECT_EQ(error, "trace format version 2 is not supported (this build reads versions up to 1)");
  bytes[8] = 1;
  bytes[40] ^= 1;  // inside the header frame
  EXPECT_FALSE(TraceReader::open_memory(bytes, &error));
  EXPECT_EQ(error, "corrupt header (checksum mismatch)");
  EXPECT_FALSE(TraceReader::open_memory(std::vector<uint8_t>(bytes.begin(), bytes.begin() + 30),
                                        &error));
  EXPECT_NE(error.find("cut off"), std::string::npos) << error;
}

TEST(TraceFile, CorruptChunkIsReportedWithItsNumberAndOffset) {
  const auto events = sample_events(3);
  auto bytes = write_trace(events);
  std::string error;
  auto r = TraceReader::open_memory(bytes, &error);
  ASSERT_TRUE(r);
  const auto chunks = r->chunks(&error);
  ASSERT_GE(chunks.size(), 3u);
  bytes[chunks[1].offset + kFrameHeaderBytes + 3] ^= 0x10;
  r = TraceReader::open_memory(bytes, &error);
  ASSERT_TRUE(r);
  EXPECT_EQ(read_events(*r).size(), chunks[1].first_event);
  EXPECT_EQ(r->status(), TraceReader::Status::kCorrupt);
  EXPECT_EQ(r->message(), "chunk 1 at byte " + std::to_string(chunks[1].offset) +
                              " is corrupt (checksum mismatch)");
  // The index still leads to the chunks after the damage.
  EXPECT_TRUE(r->seek_to_event(chunks[2].first_event, &error)) << error;
  Event e;
  EXPECT_TRUE(r->next(&e));
  EXPECT_EQ(e, events[chunks[2].first_event]);
  EXPECT_FALSE(r->seek_to_event(chunks[1].first_event, &error));
  EXPECT_NE(error.find("chunk 1 at byte"), std::string::npos) << error;
}

// Whatever the damage, reading and seeking end in an error or a partial result, never a crash.
void read_everything(std::vector<uint8_t> bytes, size_t event_total, bool expect_trouble) {
  std::string error;
  auto r = TraceReader::open_memory(std::move(bytes), &error);
  if (!r) {
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(error.find('\n'), std::string::npos);
    return;
  }
  const auto got = read_events(*r);
  EXPECT_LE(got.size(), event_total);
  if (expect_trouble) {
    EXPECT_NE(r->status(), TraceReader::Status::kComplete);
  }
  EXPECT_EQ(r->message().find('\n'), std::string::npos);
  r->chunks(&error);
  std::vector<uint8_t> raw;
  r->raw_chunk(0, &raw, &error);
  r->seek_to_event(3, &error);
  read_events(*r);
}

TEST(TraceFile, TruncatedAtEveryByte) {
  const auto events = sample_events(2);
  const auto bytes = write_trace(events, true, 3);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    read_everything(std::vector<uint8_t>(bytes.begin(), bytes.begin() + long(cut)), events.size(),
                    true);
  }
}

TEST(TraceFile, FlippedBitAnywhere) {
  const auto events = sample_events(1);
  const auto bytes = write_trace(events);
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto damaged = bytes;
    damaged[bit / 8] ^= uint8_t(1u << (bit % 8));
    read_everything(damaged, events.size(), true);
  }
}

TEST(TraceFile, DiskFull) {
  std::string error;
  EXPECT_FALSE(TraceWriter::create("/dev/full", sample_header(), &error));
  EXPECT_EQ(error, "/dev/full: write failed: No space left on device");
}

TEST(TraceFile, WriterRefusesBadEventsAndAppendAfterFinish) {
  const std::string path = temp_path("refuse");
  std::string error;
  auto w = TraceWriter::create(path, sample_header(), &error);
  ASSERT_TRUE(w) << error;
  Event e;
  e.kind = EventKind(42);
  EXPECT_FALSE(w->append(e));
  EXPECT_EQ(w->error(), path + ": event of unknown kind 42");
  EXPECT_FALSE(w->append(Event{}));  // sticky

  w = TraceWriter::create(path, sample_header(), &error);
  ASSERT_TRUE(w);
  EXPECT_TRUE(w->append(Event{}));
  EXPECT_TRUE(w->finish());
  EXPECT_FALSE(w->append(Event{}));
  EXPECT_NE(w->error().find("after the trace was finished"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(ImageDigest, HashesFilesAndNamesMissingOnes) {
  const std::string path = temp_path("image");
  {
    std::ofstream out(path, std::ios::binary);
    out << "abc";
  }
  std::string error;
  auto d = digest_file("kernel", path, &error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->role, "kernel");
  EXPECT_EQ(d->path, path);
  EXPECT_EQ(d->size, 3u);
  EXPECT_EQ(d->xxh64, 0x44bc2cf5ad770999ull);  // XXH64("abc", seed 0)
  std::filesystem::remove(path);
  EXPECT_FALSE(digest_file("kernel", path, &error));
  EXPECT_EQ(error, path + ": no such file");
  EXPECT_FALSE(digest_file("kernel", "/", &error));
  EXPECT_NE(error.find("cannot read"), std::string::npos) << error;
}

}  // namespace
}  // namespace rwd::trace
