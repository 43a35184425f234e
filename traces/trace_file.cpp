#include "traces/trace_file.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>
#include <cstring>

#include <fmt/core.h>

#include "traces/capnp_message.h"
#include "traces/trace.capnp.h"

namespace rwd::trace {
namespace {

constexpr size_t kChunkDataTarget = 1u << 20;  // a chunk is written once its events hold ~1 MiB
constexpr uint32_t kMaxChunkEvents = 1u << 20; // bounds the decoded size of one chunk
constexpr size_t kEventOverhead = 64;          // a data-less event in the message, roughly
constexpr uint64_t kEndSearchBytes = 512;      // the end frame is tiny and last in the file

bool check_text(capnp::Text::Reader t, std::string* out, const char* what, std::string* problem) {
  if (t.size() > kMaxEventText) {
    *problem = fmt::format("{} of {} bytes exceeds the {} KiB limit", what, t.size(),
                           kMaxEventText >> 10);
    return false;
  }
  out->assign(t.cStr(), t.size());
  return true;
}

std::vector<uint8_t> encode_header(const TraceHeader& h) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::TraceHeader>();
  root.setFormatVersion(kTraceFormatVersion);
  auto args = root.initRunArgs(unsigned(h.run_args.size()));
  for (size_t i = 0; i < h.run_args.size(); ++i) args.set(unsigned(i), h.run_args[i]);
  auto images = root.initImages(unsigned(h.images.size()));
  for (size_t i = 0; i < h.images.size(); ++i) {
    images[unsigned(i)].setRole(h.images[i].role);
    images[unsigned(i)].setPath(h.images[i].path);
    images[unsigned(i)].setSize(h.images[i].size);
    images[unsigned(i)].setXxh64(h.images[i].xxh64);
  }
  root.setHashInterval(h.hash_interval);
  root.setRecorder(h.recorder);
  return to_bytes(message);
}

bool decode_header(schema::TraceHeader::Reader r, TraceHeader* h, std::string* problem) {
  h->format_version = r.getFormatVersion();
  auto args = r.getRunArgs();
  auto images = r.getImages();
  if (args.size() > kMaxHeaderItems || images.size() > kMaxHeaderItems) {
    *problem = fmt::format("{} run arguments and {} images are more than the limit of {}",
                           args.size(), images.size(), kMaxHeaderItems);
    return false;
  }
  for (auto a : args) {
    if (!check_text(a, &h->run_args.emplace_back(), "run argument", problem)) return false;
  }
  for (auto i : images) {
    ImageDigest& d = h->images.emplace_back();
    if (!check_text(i.getRole(), &d.role, "image role", problem) ||
        !check_text(i.getPath(), &d.path, "image path", problem)) {
      return false;
    }
    d.size = i.getSize();
    d.xxh64 = i.getXxh64();
  }
  h->hash_interval = r.getHashInterval();
  return check_text(r.getRecorder(), &h->recorder, "recorder", problem);
}

std::vector<uint8_t> encode_chunk(uint64_t first_event, const std::vector<Event>& events) {
  capnp::MallocMessageBuilder message;
  auto root = message.initRoot<schema::TraceChunk>();
  root.setFirstEvent(first_event);
  auto list = root.initEvents(unsigned(events.size()));
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    auto out = list[unsigned(i)];
    out.setKind(static_cast<schema::EventKind>(e.kind));
    out.setClock(e.clock);
    out.setIcount(e.icount);
    out.setValue(e.value);
    out.setExitCode(e.exit_code);
    if (!e.data.empty()) out.setData(kj::ArrayPtr<const kj::byte>(e.data.data(), e.data.size()));
    if (!e.text.empty()) out.setText(e.text);
  }
  return to_bytes(message);
}

bool decode_chunk(schema::TraceChunk::Reader r, uint64_t* first_event, std::vector<Event>* events,
                  std::string* problem) {
  *first_event = r.getFirstEvent();
  auto list = r.getEvents();
  if (list.size() > kMaxChunkEvents) {
    *problem = fmt::format("{} events are more than the limit of {}", list.size(), kMaxChunkEvents);
    return false;
  }
  events->clear();
  events->reserve(list.size());
  for (auto in : list) {
    Event& e = events->emplace_back();
    const auto kind = uint16_t(in.getKind());
    if (kind >= kEventKindCount) {
      *problem = fmt::format("event {} has unknown kind {}", *first_event + events->size() - 1, kind);
      return false;
    }
    e.kind = EventKind(kind);
    e.clock = in.getClock();
    e.icount = in.getIcount();
    e.value = in.getValue();
    e.exit_code = in.getExitCode();
    auto data = in.getData();
    if (data.size() > kMaxEventData) {
      *problem = fmt::format("event data of {} bytes exceeds the {} MiB limit", data.size(),
                             kMaxEventData >> 20);
      return false;
    }
    e.data.assign(data.begin(), data.end());
    if (!check_text(in.getText(), &e.text, "event text", problem)) return false;
  }
  return true;
}

bool decode_index(schema::TraceIndex::Reader r, std::vector<ChunkInfo>* chunks,
                  std::string* problem) {
  chunks->clear();
  for (auto c : r.getChunks()) {
    chunks->push_back({c.getOffset(), c.getFirstEvent(), c.getEventCount(), c.getFirstClock(),
                       c.getLastClock(), c.getStoredBytes(), c.getRawBytes()});
  }
  return true;
}

}  // namespace

const char* event_kind_name(EventKind k) {
  switch (k) {
    case EventKind::kWallClock: return "wall-clock";
    case EventKind::kEntropy: return "entropy";
    case EventKind::kConsoleInput: return "console-input";
    case EventKind::kIdle: return "idle";
    case EventKind::kStateHash: return "state-hash";
    case EventKind::kStop: return "stop";
    case EventKind::kEnd: return "end";
  }
  return "unknown";
}

bool decode_header_message(const std::vector<uint8_t>& message, TraceHeader* header,
                           std::string* problem) {
  *header = TraceHeader();
  return read_message<schema::TraceHeader>(message, problem, [&](auto root, std::string* p) {
    return decode_header(root, header, p);
  });
}

bool decode_chunk_message(const std::vector<uint8_t>& message, uint64_t* first_event,
                          std::vector<Event>* events, std::string* problem) {
  return read_message<schema::TraceChunk>(message, problem, [&](auto root, std::string* p) {
    return decode_chunk(root, first_event, events, p);
  });
}

// ---- TraceWriter ----

std::unique_ptr<TraceWriter> TraceWriter::create(const std::string& path,
                                                 const TraceHeader& header, std::string* error) {
  if (header.run_args.size() > kMaxHeaderItems || header.images.size() > kMaxHeaderItems) {
    *error = fmt::format("{}: more than {} run arguments or images", path, kMaxHeaderItems);
    return nullptr;
  }
  auto out = FrameWriter::create(path, kTraceMagic, kTraceFormatVersion, error);
  if (!out) return nullptr;
  std::unique_ptr<TraceWriter> w(new TraceWriter(std::move(out)));
  w->path_ = path;
  if (!w->write_message_frame(kHeaderFrame, encode_header(header))) {
    *error = w->error_;
    return nullptr;
  }
  return w;
}

TraceWriter::~TraceWriter() = default;

bool TraceWriter::fail(std::string message) {
  if (!failed_) error_ = std::move(message);
  failed_ = true;
  return false;
}

bool TraceWriter::write_message_frame(uint32_t kind, const std::vector<uint8_t>& message) {
  if (!out_->write_frame(kind, message)) return fail(out_->error());
  return true;
}

uint64_t TraceWriter::bytes_written() const { return out_->offset(); }

bool TraceWriter::append(const Event& e) {
  if (failed_) return false;
  if (finished_) return fail(fmt::format("{}: event appended after the trace was finished", path_));
  if (uint8_t(e.kind) >= kEventKindCount) {
    return fail(fmt::format("{}: event of unknown kind {}", path_, int(e.kind)));
  }
  if (e.data.size() > kMaxEventData || e.text.size() > kMaxEventText) {
    return fail(fmt::format("{}: event of {} data bytes and {} text bytes exceeds the limits "
                            "({} MiB, {} KiB)",
                            path_, e.data.size(), e.text.size(), kMaxEventData >> 20,
                            kMaxEventText >> 10));
  }
  pending_.push_back(e);
  pending_bytes_ += kEventOverhead + e.data.size() + e.text.size();
  if (e.kind == EventKind::kStateHash || pending_.size() >= chunk_event_limit_ ||
      pending_bytes_ >= kChunkDataTarget) {
    return flush();
  }
  return true;
}

bool TraceWriter::flush() {
  if (failed_) return false;
  if (pending_.empty()) return true;
  const std::vector<uint8_t> message = encode_chunk(events_written_, pending_);
  ChunkInfo info;
  info.offset = out_->offset();
  info.first_event = events_written_;
  info.event_count = uint32_t(pending_.size());
  info.first_clock = pending_.front().clock;
  info.last_clock = pending_.back().clock;
  info.raw_bytes = message.size();
  if (!write_message_frame(kChunkFrame, message)) return false;
  info.stored_bytes = out_->offset() - info.offset - kFrameHeaderBytes;
  chunks_.push_back(info);
  events_written_ += pending_.size();
  pending_.clear();
  pending_bytes_ = 0;
  return true;
}

bool TraceWriter::finish() {
  if (finished_) return !failed_;
  if (!flush()) return false;
  finished_ = true;
  const uint64_t index_offset = out_->offset();
  {
    capnp::MallocMessageBuilder message;
    auto list = message.initRoot<schema::TraceIndex>().initChunks(unsigned(chunks_.size()));
    for (size_t i = 0; i < chunks_.size(); ++i) {
      const ChunkInfo& c = chunks_[i];
      auto out = list[unsigned(i)];
      out.setOffset(c.offset);
      out.setFirstEvent(c.first_event);
      out.setEventCount(c.event_count);
      out.setFirstClock(c.first_clock);
      out.setLastClock(c.last_clock);
      out.setStoredBytes(c.stored_bytes);
      out.setRawBytes(c.raw_bytes);
    }
    if (!write_message_frame(kIndexFrame, to_bytes(message))) return false;
  }
  capnp::MallocMessageBuilder message;
  auto end = message.initRoot<schema::TraceEnd>();
  end.setEventCount(events_written_);
  end.setChunkCount(chunks_.size());
  end.setIndexOffset(index_offset);
  if (!write_message_frame(kEndFrame, to_bytes(message))) return false;
  if (!out_->close()) return fail(out_->error());
  return true;
}

// ---- TraceReader ----

std::unique_ptr<TraceReader> TraceReader::open(const std::string& path, std::string* error) {
  auto frames = FrameReader::open(path, kTraceMagic, error, {"trace", kTraceFormatVersion});
  if (!frames) return nullptr;
  return finish_open(std::move(frames), path + ": ", error);
}

std::unique_ptr<TraceReader> TraceReader::open_memory(std::vector<uint8_t> bytes,
                                                      std::string* error) {
  auto frames =
      FrameReader::open_memory(std::move(bytes), kTraceMagic, error, {"trace", kTraceFormatVersion});
  if (!frames) return nullptr;
  return finish_open(std::move(frames), "", error);
}

TraceReader::~TraceReader() = default;

std::unique_ptr<TraceReader> TraceReader::finish_open(std::unique_ptr<FrameReader> frames,
                                                      const std::string& prefix,
                                                      std::string* error) {
  std::unique_ptr<TraceReader> r(new TraceReader());
  uint32_t kind = 0;
  std::vector<uint8_t> payload;
  switch (frames->next(&kind, &payload)) {
    case FrameReader::Next::kEnd:
    case FrameReader::Next::kTruncated:
      *error = prefix + "trace is cut off before the end of its header: the recording did not start";
      return nullptr;
    case FrameReader::Next::kCorrupt:
      *error = prefix + "corrupt header (" + frames->problem() + ")";
      return nullptr;
    case FrameReader::Next::kFrame:
      break;
  }
  std::string problem;
  if (kind != kHeaderFrame) {
    *error = prefix + fmt::format("corrupt header (the first frame is of kind {})", kind);
    return nullptr;
  }
  if (!decode_header_message(payload, &r->header_, &problem)) {
    *error = prefix + "corrupt header (" + problem + ")";
    return nullptr;
  }
  if (r->header_.format_version != frames->version()) {
    *error = prefix + fmt::format("corrupt header (it says format version {}, the file {})",
                                  r->header_.format_version, frames->version());
    return nullptr;
  }
  r->first_frame_ = frames->offset();
  r->frames_ = std::move(frames);
  return r;
}

bool TraceReader::fail(Status s, std::string message) {
  status_ = s;
  message_ = std::move(message);
  return false;
}

bool TraceReader::next(Event* e) {
  while (status_ == Status::kReading && in_chunk_ >= chunk_.size()) {
    const uint64_t at = frames_->offset();
    uint32_t kind = 0;
    std::vector<uint8_t> payload;
    const auto n = frames_->next(&kind, &payload);
    if (n == FrameReader::Next::kEnd || n == FrameReader::Next::kTruncated) {
      const std::string after =
          chunk_number_ ? fmt::format("chunk {}", chunk_number_ - 1) : std::string("its header");
      return fail(Status::kTruncated,
                  fmt::format("trace is cut off after {} (byte {}): the recording did not finish",
                              after, at));
    }
    if (n == FrameReader::Next::kCorrupt) {
      return fail(Status::kCorrupt, fmt::format("chunk {} at byte {} is corrupt ({})",
                                                chunk_number_, at, frames_->problem()));
    }
    std::string problem;
    if (kind == kChunkFrame) {
      uint64_t first = 0;
      std::vector<Event> events;
      if (!decode_chunk_message(payload, &first, &events, &problem)) {
        return fail(Status::kCorrupt,
                    fmt::format("chunk {} at byte {} is corrupt ({})", chunk_number_, at, problem));
      }
      if (first != events_read_) {
        return fail(Status::kCorrupt,
                    fmt::format("chunk {} at byte {} is corrupt (it starts at event {}, the "
                                "previous chunk ended at event {})",
                                chunk_number_, at, first, events_read_));
      }
      chunk_ = std::move(events);
      in_chunk_ = 0;
      ++chunk_number_;
    } else if (kind == kEndFrame) {
      uint64_t count = 0;
      if (!read_message<schema::TraceEnd>(payload, &problem, [&](auto root, std::string*) {
            count = root.getEventCount();
            return true;
          })) {
        return fail(Status::kCorrupt, fmt::format("end frame at byte {} is corrupt ({})", at, problem));
      }
      if (count != events_read_) {
        return fail(Status::kCorrupt,
                    fmt::format("end frame at byte {} counts {} events, the chunks hold {}", at,
                                count, events_read_));
      }
      return fail(Status::kComplete, "");
    } else if (kind == kHeaderFrame) {
      return fail(Status::kCorrupt, fmt::format("a second header frame at byte {}", at));
    }
    // The index, and frame kinds of later minor versions, carry no events: skip them.
  }
  if (status_ != Status::kReading) return false;
  *e = chunk_[in_chunk_++];
  ++events_read_;
  return true;
}

bool TraceReader::read_index_from_end() {
  const uint64_t size = frames_->size();
  if (size < first_frame_ + kFrameHeaderBytes) return false;
  const uint64_t lowest = size > first_frame_ + kEndSearchBytes ? size - kEndSearchBytes : first_frame_;
  uint32_t kind = 0;
  std::vector<uint8_t> payload;
  std::string problem;
  for (uint64_t p = size - kFrameHeaderBytes + 1; p-- > lowest;) {
    // Only a frame ending exactly at the end of the file can be the end frame; the checksum
    // rules out bytes that merely look like one.
    if (!frames_->seek(p) || frames_->next(&kind, &payload) != FrameReader::Next::kFrame ||
        kind != kEndFrame || frames_->offset() != size) {
      continue;
    }
    uint64_t index_offset = 0, chunk_count = 0, event_count = 0;
    if (!read_message<schema::TraceEnd>(payload, &problem, [&](auto root, std::string*) {
          index_offset = root.getIndexOffset();
          chunk_count = root.getChunkCount();
          event_count = root.getEventCount();
          return true;
        })) {
      return false;
    }
    if (index_offset < first_frame_ || !frames_->seek(index_offset) ||
        frames_->next(&kind, &payload) != FrameReader::Next::kFrame || kind != kIndexFrame) {
      return false;
    }
    std::vector<ChunkInfo> list;
    if (!read_message<schema::TraceIndex>(payload, &problem, [&](auto root, std::string* pr) {
          return decode_index(root, &list, pr);
        })) {
      return false;
    }
    // The index is trusted for seeking only if it is consistent; each chunk it points at is
    // still checked when read.
    uint64_t events = 0, offset = first_frame_;
    for (const ChunkInfo& c : list) {
      if (c.first_event != events || c.event_count == 0 || c.offset < offset ||
          c.offset >= index_offset) {
        return false;
      }
      events += c.event_count;
      offset = c.offset + kFrameHeaderBytes;
    }
    if (list.size() != chunk_count || events != event_count) return false;
    chunk_list_ = std::move(list);
    return true;
  }
  return false;
}

bool TraceReader::load_chunk_list(std::string* error) {
  if (!chunks_loaded_) {
    chunks_loaded_ = true;
    const uint64_t saved = frames_->offset();
    index_found_ = read_index_from_end();
    if (!index_found_) {
      chunk_list_.clear();
      frames_->seek(first_frame_);
      uint64_t events = 0;
      for (;;) {
        const uint64_t at = frames_->offset();
        uint32_t kind = 0;
        std::vector<uint8_t> payload;
        const auto n = frames_->next(&kind, &payload);
        if (n == FrameReader::Next::kEnd || n == FrameReader::Next::kTruncated) break;
        if (n == FrameReader::Next::kCorrupt) {
          chunk_list_error_ = fmt::format("chunk {} at byte {} is corrupt ({})",
                                          chunk_list_.size(), at, frames_->problem());
          break;
        }
        if (kind == kEndFrame) break;
        if (kind != kChunkFrame) continue;
        uint64_t first = 0;
        std::vector<Event> ev;
        std::string problem;
        if (!decode_chunk_message(payload, &first, &ev, &problem)) {
          chunk_list_error_ = fmt::format("chunk {} at byte {} is corrupt ({})",
                                          chunk_list_.size(), at, problem);
          break;
        }
        if (first != events || ev.empty()) {
          chunk_list_error_ = fmt::format("chunk {} at byte {} is corrupt (it starts at event {} "
                                          "and holds {}, expected to start at {})",
                                          chunk_list_.size(), at, first, ev.size(), events);
          break;
        }
        chunk_list_.push_back({at, first, uint32_t(ev.size()), ev.front().clock, ev.back().clock,
                               frames_->offset() - at - kFrameHeaderBytes, payload.size()});
        events += ev.size();
      }
    }
    frames_->seek(saved);
  }
  if (!chunk_list_error_.empty() && error) *error = chunk_list_error_;
  return chunk_list_error_.empty();
}

std::vector<ChunkInfo> TraceReader::chunks(std::string* error) {
  load_chunk_list(error);
  return chunk_list_;
}

bool TraceReader::has_index() {
  load_chunk_list(nullptr);
  return index_found_;
}

bool TraceReader::raw_chunk(uint64_t number, std::vector<uint8_t>* message, std::string* error) {
  std::string list_error;
  load_chunk_list(&list_error);
  if (number >= chunk_list_.size()) {
    *error = list_error.empty()
                 ? fmt::format("chunk {} does not exist (the trace has {} chunks)", number,
                               chunk_list_.size())
                 : list_error;
    return false;
  }
  const uint64_t saved = frames_->offset();
  const uint64_t at = chunk_list_[number].offset;
  uint32_t kind = 0;
  const bool ok = frames_->seek(at) && frames_->next(&kind, message) == FrameReader::Next::kFrame &&
                  kind == kChunkFrame;
  if (!ok) {
    *error = fmt::format("chunk {} at byte {} is corrupt ({})", number, at,
                         frames_->problem().empty() ? "not a chunk frame" : frames_->problem());
  }
  frames_->seek(saved);
  return ok;
}

bool TraceReader::seek_to_event(uint64_t event_number, std::string* error) {
  std::string list_error;
  load_chunk_list(&list_error);
  const uint64_t total =
      chunk_list_.empty() ? 0 : chunk_list_.back().first_event + chunk_list_.back().event_count;
  if (event_number > total) {
    *error = list_error.empty() ? fmt::format("event {} is past the end of the trace ({} events)",
                                              event_number, total)
                                : list_error;
    return false;
  }
  if (chunk_list_.empty()) {  // event 0 of a trace without events: back to the start
    frames_->seek(first_frame_);
    chunk_.clear();
    in_chunk_ = 0;
    chunk_number_ = events_read_ = 0;
    status_ = Status::kReading;
    message_.clear();
    return true;
  }
  // The last chunk whose first event is at or before the target (the chunk itself when the
  // target is just past the end).
  auto it = std::upper_bound(chunk_list_.begin(), chunk_list_.end(), event_number,
                             [](uint64_t n, const ChunkInfo& c) { return n < c.first_event; });
  const size_t number = size_t(it - chunk_list_.begin()) - 1;
  const ChunkInfo& info = chunk_list_[number];
  uint32_t kind = 0;
  std::vector<uint8_t> payload;
  std::string problem = "not a chunk frame";
  uint64_t first = 0;
  std::vector<Event> events;
  if (!frames_->seek(info.offset) ||
      frames_->next(&kind, &payload) != FrameReader::Next::kFrame || kind != kChunkFrame ||
      !decode_chunk_message(payload, &first, &events, &problem) ||
      first != info.first_event || events.size() != info.event_count) {
    if (!frames_->problem().empty()) problem = frames_->problem();
    *error = fmt::format("chunk {} at byte {} is corrupt ({})", number, info.offset, problem);
    fail(Status::kCorrupt, *error);
    return false;
  }
  chunk_ = std::move(events);
  in_chunk_ = size_t(event_number - first);
  chunk_number_ = number + 1;
  events_read_ = event_number;
  status_ = Status::kReading;
  message_.clear();
  return true;
}

}  // namespace rwd::trace
