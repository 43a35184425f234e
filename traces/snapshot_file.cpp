#include "traces/snapshot_file.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <fmt/core.h>
#include <kj/exception.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "traces/capnp_message.h"
#include "traces/frame_file.h"
#include "traces/snapshot.capnp.h"

namespace rwd::trace {
namespace {

namespace schema = snapshot_schema;

enum FrameKind : uint32_t { kHeaderFrame = 1, kDeviceFrame = 2, kPagesFrame = 3, kEndFrame = 4 };

// A RAM frame closes once its new page contents reach ~1 MiB or it holds this many page
// references, so every frame is a modest message however sparse or repetitive RAM is.
constexpr size_t kFrameTarget = size_t{1} << 20;
constexpr size_t kMaxRefsPerFrame = size_t{1} << 16;
// Limits on what honest writers produce; larger values mark a damaged file.
constexpr size_t kMaxText = 64 << 10;
constexpr size_t kMaxListItems = 4096;
constexpr size_t kMaxHartBytes = 64 << 10;
constexpr uint32_t kMaxDevices = 256;
constexpr size_t kMaxKeyBytes = 256;

capnp::Data::Reader as_data(std::span<const uint8_t> bytes) {
  return capnp::Data::Reader(bytes.data(), bytes.size());
}

// ---------------------------------------------------------------------------------------------
// Writing

class SnapshotWriter {
 public:
  SnapshotWriter(FrameWriter& out, std::span<const uint8_t> ram) : out_(out), ram_(ram) {}

  bool header(const SnapshotMeta& meta, const system::MachineState& state, uint64_t ram_base) {
    capnp::MallocMessageBuilder message;
    auto h = message.initRoot<schema::SnapshotHeader>();
    h.setFormatVersion(kSnapshotFormatVersion);
    auto args = h.initRunArgs(unsigned(meta.run_args.size()));
    for (unsigned i = 0; i < args.size(); ++i) args.set(i, meta.run_args[i]);
    auto images = h.initImages(unsigned(meta.images.size()));
    for (unsigned i = 0; i < images.size(); ++i) {
      const ImageDigest& d = meta.images[i];
      images[i].setRole(d.role);
      images[i].setPath(d.path);
      images[i].setSize(d.size);
      images[i].setXxh64(d.xxh64);
    }
    // Taken from the state, which is what they describe.
    h.setIcount(state.icount);
    h.setClock(state.icount + state.idle_insns);
    if (meta.trace_event) {
      h.setHasTrace(true);
      h.setTraceEvent(*meta.trace_event);
      h.setTraceIntervals(*meta.trace_intervals);
      h.setTraceHeaderHash(*meta.trace_header_hash);
    }
    h.setRamBase(ram_base);
    h.setRamSize(ram_.size());
    h.setIdleInsns(state.idle_insns);
    h.setNextPollClock(state.next_poll_clock);
    h.setHart(as_data(state.hart));
    h.setConsoleInput(as_data(state.console_input));
    h.setDeviceCount(uint32_t(state.devices.size()));
    return out_.write_frame(kHeaderFrame, to_bytes(message));
  }

  bool devices(const system::MachineState& state) {
    for (size_t i = 0; i < state.devices.size(); ++i) {
      const auto& [key, data] = state.devices[i];
      // At least one frame per device, even for empty state.
      size_t at = 0;
      do {
        const size_t n = std::min(kFrameTarget, data.size() - at);
        capnp::MallocMessageBuilder message;
        auto d = message.initRoot<schema::DeviceState>();
        d.setIndex(uint32_t(i));
        d.setKey(key);
        d.setData(as_data(std::span(data).subspan(at, n)));
        if (!out_.write_frame(kDeviceFrame, to_bytes(message))) return false;
        ++device_frames_;
        at += n;
      } while (at < data.size());
    }
    return true;
  }

  bool pages() {
    const size_t page_count = ram_.size() / kSnapshotPageBytes;
    for (size_t page = 0; page < page_count; ++page) {
      const uint8_t* bytes = ram_.data() + page * kSnapshotPageBytes;
      if (bytes[0] == 0 && std::memcmp(bytes, bytes + 1, kSnapshotPageBytes - 1) == 0) continue;
      refs_.push_back({page, content_of(bytes)});
      if (new_bytes_ >= kFrameTarget || refs_.size() >= kMaxRefsPerFrame) {
        if (!flush_pages()) return false;
      }
    }
    return flush_pages();
  }

  bool end() {
    capnp::MallocMessageBuilder message;
    auto e = message.initRoot<schema::SnapshotEnd>();
    e.setPageCount(page_refs_written_);
    e.setContentCount(contents_.size());
    e.setDeviceFrames(device_frames_);
    return out_.write_frame(kEndFrame, to_bytes(message));
  }

 private:
  // The number of this content, stored in the current frame if it is new.
  uint64_t content_of(const uint8_t* bytes) {
    const uint64_t hash = XXH3_64bits(bytes, kSnapshotPageBytes);
    auto [first, last] = by_hash_.equal_range(hash);
    for (auto it = first; it != last; ++it) {
      if (std::memcmp(contents_[it->second], bytes, kSnapshotPageBytes) == 0) return it->second;
    }
    const uint64_t number = contents_.size();
    contents_.push_back(bytes);
    by_hash_.emplace(hash, number);
    new_bytes_ += kSnapshotPageBytes;
    return number;
  }

  bool flush_pages() {
    if (refs_.empty()) return true;
    capnp::MallocMessageBuilder message;
    auto f = message.initRoot<schema::RamPages>();
    f.setFirstContent(first_new_content_);
    auto contents = f.initContents(unsigned(contents_.size() - first_new_content_));
    for (unsigned i = 0; i < contents.size(); ++i) {
      contents.set(i, capnp::Data::Reader(contents_[first_new_content_ + i], kSnapshotPageBytes));
    }
    auto refs = f.initPages(unsigned(refs_.size()));
    for (unsigned i = 0; i < refs.size(); ++i) {
      refs[i].setIndex(refs_[i].first);
      refs[i].setContent(refs_[i].second);
    }
    page_refs_written_ += refs_.size();
    refs_.clear();
    first_new_content_ = contents_.size();
    new_bytes_ = 0;
    return out_.write_frame(kPagesFrame, to_bytes(message));
  }

  FrameWriter& out_;
  std::span<const uint8_t> ram_;
  std::vector<const uint8_t*> contents_;  // first occurrence in RAM of each content
  std::unordered_multimap<uint64_t, uint64_t> by_hash_;
  std::vector<std::pair<uint64_t, uint64_t>> refs_;  // (page, content) of the current frame
  uint64_t first_new_content_ = 0;
  size_t new_bytes_ = 0;
  uint64_t page_refs_written_ = 0;
  uint64_t device_frames_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Reading

bool text(capnp::Text::Reader t, size_t limit, const char* what, std::string* out,
          std::string* problem) {
  if (t.size() > limit) {
    *problem = fmt::format("{} of {} bytes is too long", what, t.size());
    return false;
  }
  out->assign(t.begin(), t.end());
  return true;
}

class SnapshotParser {
 public:
  explicit SnapshotParser(LoadedSnapshot* s) : s_(*s) {}

  bool header(schema::SnapshotHeader::Reader h, uint32_t file_version, std::string* problem) {
    if (h.getFormatVersion() != file_version) {
      *problem = fmt::format("header says format version {}, the file {}", h.getFormatVersion(),
                             file_version);
      return false;
    }
    auto args = h.getRunArgs();
    auto images = h.getImages();
    if (args.size() > kMaxListItems || images.size() > kMaxListItems) {
      *problem = "too many run arguments or images";
      return false;
    }
    for (auto a : args) {
      if (!text(a, kMaxText, "run argument", &s_.meta.run_args.emplace_back(), problem)) {
        return false;
      }
    }
    for (auto i : images) {
      ImageDigest& d = s_.meta.images.emplace_back();
      if (!text(i.getRole(), kMaxText, "image role", &d.role, problem) ||
          !text(i.getPath(), kMaxText, "image path", &d.path, problem)) {
        return false;
      }
      d.size = i.getSize();
      d.xxh64 = i.getXxh64();
    }
    system::MachineState& st = s_.state;
    st.icount = s_.meta.icount = h.getIcount();
    st.idle_insns = h.getIdleInsns();
    st.next_poll_clock = h.getNextPollClock();
    s_.meta.clock = h.getClock();
    if (st.idle_insns > ~uint64_t{0} - st.icount || s_.meta.clock != st.icount + st.idle_insns) {
      *problem = "clock is not instructions retired plus idle time";
      return false;
    }
    if (h.getHasTrace()) {
      s_.meta.trace_event = h.getTraceEvent();
      s_.meta.trace_intervals = h.getTraceIntervals();
      s_.meta.trace_header_hash = h.getTraceHeaderHash();
    }
    s_.ram_base = h.getRamBase();
    s_.ram_size = h.getRamSize();
    if (s_.ram_size == 0 || s_.ram_size % kSnapshotPageBytes != 0 ||
        s_.ram_size > kMaxSnapshotRam || s_.ram_base % kSnapshotPageBytes != 0 ||
        s_.ram_base > ~uint64_t{0} - s_.ram_size) {
      *problem = fmt::format("bad RAM layout: {} bytes at {:#x}", s_.ram_size, s_.ram_base);
      return false;
    }
    auto hart = h.getHart();
    if (hart.size() > kMaxHartBytes) {
      *problem = fmt::format("hart state of {} bytes is too large", hart.size());
      return false;
    }
    st.hart.assign(hart.begin(), hart.end());
    auto input = h.getConsoleInput();
    st.console_input.assign(input.begin(), input.end());
    device_count_ = h.getDeviceCount();
    if (device_count_ > kMaxDevices) {
      *problem = fmt::format("{} devices is too many", device_count_);
      return false;
    }
    return true;
  }

  bool device(schema::DeviceState::Reader d, std::string* problem) {
    std::string key;
    if (!text(d.getKey(), kMaxKeyBytes, "device key", &key, problem)) return false;
    const uint32_t index = d.getIndex();
    auto& devices = s_.state.devices;
    if (pages_started_) {
      *problem = "device state after RAM pages";
      return false;
    }
    if (!devices.empty() && index == devices.size() - 1) {
      if (key != devices.back().first) {
        *problem = fmt::format("device {} is named both {} and {}", index, devices.back().first,
                               key);
        return false;
      }
    } else if (index == devices.size() && index < device_count_) {
      devices.emplace_back(std::move(key), std::vector<uint8_t>());
    } else {
      *problem = fmt::format("device {} out of order or beyond the {} announced", index,
                             device_count_);
      return false;
    }
    auto data = d.getData();
    devices.back().second.insert(devices.back().second.end(), data.begin(), data.end());
    ++device_frames_;
    return true;
  }

  bool pages(schema::RamPages::Reader f, std::string* problem) {
    if (!devices_complete(problem)) return false;
    pages_started_ = true;
    if (f.getFirstContent() != contents_.size()) {
      *problem = fmt::format("page contents numbered from {}, expected {}", f.getFirstContent(),
                             contents_.size());
      return false;
    }
    for (auto c : f.getContents()) {
      if (c.size() != kSnapshotPageBytes) {
        *problem = fmt::format("page content {} is {} bytes", contents_.size(), c.size());
        return false;
      }
      contents_.push_back(std::make_shared<const std::vector<uint8_t>>(c.begin(), c.end()));
    }
    const uint64_t page_count = s_.ram_size / kSnapshotPageBytes;
    for (auto ref : f.getPages()) {
      const uint64_t index = ref.getIndex();
      if (index >= page_count) {
        *problem = fmt::format("page {} out of range", index);
        return false;
      }
      if (!s_.pages.empty() && index <= s_.pages.back().first) {
        *problem = fmt::format("page {} listed twice or out of order", index);
        return false;
      }
      if (ref.getContent() >= contents_.size()) {
        *problem = fmt::format("page {} refers to missing content {}", index, ref.getContent());
        return false;
      }
      s_.pages.emplace_back(index, contents_[ref.getContent()]);
    }
    return true;
  }

  bool end(schema::SnapshotEnd::Reader e, std::string* problem) {
    if (!devices_complete(problem)) return false;
    if (e.getPageCount() != s_.pages.size() || e.getContentCount() != contents_.size() ||
        e.getDeviceFrames() != device_frames_) {
      *problem = fmt::format("end frame counts {} pages, {} contents, {} device frames; found "
                             "{}, {}, {}",
                             e.getPageCount(), e.getContentCount(), e.getDeviceFrames(),
                             s_.pages.size(), contents_.size(), device_frames_);
      return false;
    }
    return true;
  }

 private:
  bool devices_complete(std::string* problem) {
    if (s_.state.devices.size() == device_count_) return true;
    *problem = fmt::format("{} of {} devices present", s_.state.devices.size(), device_count_);
    return false;
  }

  LoadedSnapshot& s_;
  uint32_t device_count_ = 0;
  uint64_t device_frames_ = 0;
  bool pages_started_ = false;
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> contents_;
};

// The frames of a snapshot, from a file (FrameReader) or already decoded (the fuzzer).
struct FrameSource {
  virtual ~FrameSource() = default;
  virtual FrameReader::Next next(uint32_t* kind, std::vector<uint8_t>* payload) = 0;
  virtual uint64_t offset() const = 0;  // where the next frame starts
  virtual uint64_t size() const = 0;
  virtual uint32_t version() const = 0;
  virtual std::string error() const = 0;
};

class FileFrames final : public FrameSource {
 public:
  explicit FileFrames(FrameReader& r) : r_(r) {}
  FrameReader::Next next(uint32_t* kind, std::vector<uint8_t>* payload) override {
    return r_.next(kind, payload);
  }
  uint64_t offset() const override { return r_.offset(); }
  uint64_t size() const override { return r_.size(); }
  uint32_t version() const override { return r_.version(); }
  std::string error() const override { return r_.error(); }

 private:
  FrameReader& r_;
};

// Offsets count frames, not bytes.
class ListedFrames final : public FrameSource {
 public:
  explicit ListedFrames(const std::vector<std::pair<uint32_t, std::vector<uint8_t>>>& frames)
      : frames_(frames) {}
  FrameReader::Next next(uint32_t* kind, std::vector<uint8_t>* payload) override {
    if (pos_ == frames_.size()) return FrameReader::Next::kEnd;
    *kind = frames_[pos_].first;
    *payload = frames_[pos_].second;
    ++pos_;
    return FrameReader::Next::kFrame;
  }
  uint64_t offset() const override { return pos_; }
  uint64_t size() const override { return frames_.size(); }
  uint32_t version() const override { return kSnapshotFormatVersion; }
  std::string error() const override { return {}; }

 private:
  const std::vector<std::pair<uint32_t, std::vector<uint8_t>>>& frames_;
  size_t pos_ = 0;
};

std::optional<LoadedSnapshot> read_frames(FrameSource& frames, const std::string& prefix,
                                          std::string* error) {
  LoadedSnapshot snapshot;
  SnapshotParser parser(&snapshot);
  auto fail = [&](const std::string& what) -> std::optional<LoadedSnapshot> {
    *error = prefix + what;
    return std::nullopt;
  };
  uint32_t kind = 0;
  std::vector<uint8_t> payload;
  std::string problem;
  for (uint64_t number = 0;; ++number) {
    const uint64_t at = frames.offset();
    switch (frames.next(&kind, &payload)) {
      case FrameReader::Next::kFrame:
        break;
      case FrameReader::Next::kEnd:
        return fail(fmt::format("truncated at byte {}", frames.size()));
      case FrameReader::Next::kTruncated:
        return fail(fmt::format("truncated at byte {}", at));
      case FrameReader::Next::kCorrupt:
        return fail(frames.error());
    }
    if ((number == 0) != (kind == kHeaderFrame)) {
      return fail(number == 0 ? "first frame is not a snapshot header"
                              : fmt::format("second header at byte {}", at));
    }
    bool ok = false;
    switch (kind) {
      case kHeaderFrame:
        ok = read_message<schema::SnapshotHeader>(payload, &problem, [&](auto h, std::string* p) {
          return parser.header(h, frames.version(), p);
        });
        break;
      case kDeviceFrame:
        ok = read_message<schema::DeviceState>(payload, &problem, [&](auto d, std::string* p) {
          return parser.device(d, p);
        });
        break;
      case kPagesFrame:
        ok = read_message<schema::RamPages>(payload, &problem, [&](auto f, std::string* p) {
          return parser.pages(f, p);
        });
        break;
      case kEndFrame:
        ok = read_message<schema::SnapshotEnd>(payload, &problem, [&](auto e, std::string* p) {
          return parser.end(e, p);
        });
        if (!ok) break;
        if (frames.next(&kind, &payload) != FrameReader::Next::kEnd) {
          return fail(fmt::format("data after the end frame at byte {}", frames.offset()));
        }
        return snapshot;
      default:
        problem = fmt::format("unknown frame kind {}", kind);
        break;
    }
    if (!ok) return fail(fmt::format("frame {} at byte {}: {}", number, at, problem));
  }
}

constexpr FileKind kSnapshotKind{"snapshot", kSnapshotFormatVersion};

}  // namespace

bool write_snapshot(const std::string& path, const SnapshotMeta& meta,
                    const system::MachineState& state, std::span<const uint8_t> ram,
                    uint64_t ram_base, std::string* error) {
  if (ram.empty() || ram.size() % kSnapshotPageBytes != 0 || ram.size() > kMaxSnapshotRam) {
    *error = fmt::format("{}: RAM of {} bytes cannot be snapshotted", path, ram.size());
    return false;
  }
  if (meta.trace_event.has_value() != meta.trace_intervals.has_value() ||
      meta.trace_event.has_value() != meta.trace_header_hash.has_value()) {
    *error = path + ": trace position incomplete (event, intervals and header hash go together)";
    return false;
  }
  const std::string tmp = path + ".tmp";
  std::unique_ptr<FrameWriter> out =
      FrameWriter::create(tmp, kSnapshotMagic, kSnapshotFormatVersion, error);
  if (!out) return false;
  SnapshotWriter writer(*out, ram);
  const bool written = writer.header(meta, state, ram_base) && writer.devices(state) &&
                       writer.pages() && writer.end() && out->close();
  if (!written) {
    *error = out->error().empty() ? path + ": write failed" : out->error();
    out.reset();
    std::remove(tmp.c_str());
    return false;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = fmt::format("{}: cannot rename {} into place: {}", path, tmp, std::strerror(errno));
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

std::optional<LoadedSnapshot> read_snapshot(const std::string& path, std::string* error) {
  std::unique_ptr<FrameReader> frames = FrameReader::open(path, kSnapshotMagic, error, kSnapshotKind);
  if (!frames) return std::nullopt;
  FileFrames source(*frames);
  return read_frames(source, path + ": ", error);
}

std::optional<LoadedSnapshot> read_snapshot_memory(std::vector<uint8_t> bytes,
                                                   std::string* error) {
  std::unique_ptr<FrameReader> frames =
      FrameReader::open_memory(std::move(bytes), kSnapshotMagic, error, kSnapshotKind);
  if (!frames) return std::nullopt;
  FileFrames source(*frames);
  return read_frames(source, "", error);
}

std::optional<LoadedSnapshot> decode_snapshot_frames(
    const std::vector<std::pair<uint32_t, std::vector<uint8_t>>>& frames, std::string* error) {
  ListedFrames source(frames);
  return read_frames(source, "", error);
}

bool LoadedSnapshot::apply_ram(std::span<uint8_t> ram) const {
  if (ram.size() != ram_size) return false;
  uint64_t next = 0;  // first page not yet written
  for (const auto& [index, bytes] : pages) {
    std::memset(ram.data() + next * kSnapshotPageBytes, 0, (index - next) * kSnapshotPageBytes);
    std::memcpy(ram.data() + index * kSnapshotPageBytes, bytes->data(), kSnapshotPageBytes);
    next = index + 1;
  }
  std::memset(ram.data() + next * kSnapshotPageBytes, 0, ram.size() - next * kSnapshotPageBytes);
  return true;
}

}  // namespace rwd::trace
