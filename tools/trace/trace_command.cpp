#include "trace/trace_command.h"

#include <array>
#include <charconv>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/core.h>

#include "traces/trace_file.h"

namespace rwd::trace {
namespace {

constexpr const char* kUsage =
    "usage: rewind trace info FILE\n"
    "       rewind trace dump FILE [--limit N]\n"
    "       rewind trace dump FILE --raw-chunk K > chunk.bin   (then: capnp decode "
    "traces/trace.capnp TraceChunk < chunk.bin)\n";

// Console bytes the way a C string literal would spell them, so control keys stay visible.
std::string c_escaped(const std::vector<uint8_t>& bytes) {
  std::string out = "\"";
  for (uint8_t b : bytes) {
    switch (b) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (b >= 0x20 && b < 0x7f) {
          out += char(b);
        } else {
          out += fmt::format("\\x{:02x}", b);
        }
    }
  }
  return out + "\"";
}

// Entropy is noise to a reader: the first bytes identify it, the count says how much.
std::string hex_abbreviated(const std::vector<uint8_t>& bytes, size_t shown = 16) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < shown; ++i) out += fmt::format("{:02x}", bytes[i]);
  if (bytes.size() > shown) out += "...";
  return fmt::format("{} ({} bytes)", out, bytes.size());
}

std::string quoted_if_needed(const std::string& s) {
  if (!s.empty() && s.find_first_of(" \t\"'\\") == std::string::npos) return s;
  return c_escaped(std::vector<uint8_t>(s.begin(), s.end()));
}

std::string describe(const Event& e) {
  switch (e.kind) {
    case EventKind::kWallClock: return fmt::format("unix-ns={}", e.value);
    case EventKind::kEntropy: return hex_abbreviated(e.data);
    case EventKind::kConsoleInput: return c_escaped(e.data);
    case EventKind::kIdle:
      return e.data.empty() ? fmt::format("until={}", e.value)
                            : fmt::format("until={} typed={}", e.value, c_escaped(e.data));
    case EventKind::kStateHash: return fmt::format("hash={:016x}", e.value);
    case EventKind::kStop:
      return fmt::format("exit={} reason={}", e.exit_code, quoted_if_needed(e.text));
    case EventKind::kEnd:
      return fmt::format("hash={:016x} exit={} reason={}", e.value, e.exit_code,
                         quoted_if_needed(e.text));
  }
  return "";
}

bool parse_number(std::string_view s, uint64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

int info(const std::string& path, std::FILE* out, std::FILE* err) {
  std::string error;
  auto r = TraceReader::open(path, &error);
  if (!r) {
    fmt::print(err, "rewind: {}\n", error);
    return 1;
  }
  const TraceHeader& h = r->header();
  fmt::print(out, "trace:          {}\n", path);
  fmt::print(out, "format version: {}\n", h.format_version);
  fmt::print(out, "recorder:       {}\n", h.recorder);
  std::string args;
  for (const std::string& a : h.run_args) {
    if (!args.empty()) args += ' ';
    args += quoted_if_needed(a);
  }
  fmt::print(out, "run args:       {}\n", args);
  fmt::print(out, "hash interval:  {} instructions\n", h.hash_interval);
  fmt::print(out, "images:         {}\n", h.images.size());
  for (const ImageDigest& d : h.images) {
    fmt::print(out, "  {:<8} {}  {} bytes  xxh64 {:016x}\n", d.role, d.path, d.size, d.xxh64);
  }
  const std::vector<ChunkInfo> chunks = r->chunks(&error);
  uint64_t stored = 0, raw = 0;
  for (const ChunkInfo& c : chunks) stored += c.stored_bytes, raw += c.raw_bytes;
  fmt::print(out, "chunks:         {} ({})\n", chunks.size(),
             r->has_index() ? "from the index" : "by a scan: no index");
  std::array<uint64_t, kEventKindCount> count{}, data{};
  uint64_t first_clock = 0, last_clock = 0;
  Event e;
  while (r->next(&e)) {
    if (r->events_read() == 1) first_clock = e.clock;
    last_clock = e.clock;
    count[size_t(e.kind)]++;
    data[size_t(e.kind)] += e.data.size();
  }
  fmt::print(out, "events:         {}\n", r->events_read());
  if (r->events_read()) fmt::print(out, "clock span:     {} .. {}\n", first_clock, last_clock);
  for (int k = 0; k < kEventKindCount; ++k) {
    if (!count[size_t(k)]) continue;
    fmt::print(out, "  {:<14} {:>10}  {} bytes of data\n", event_kind_name(EventKind(k)),
               count[size_t(k)], data[size_t(k)]);
  }
  fmt::print(out, "chunk bytes:    {} stored, {} raw\n", stored, raw);
  switch (r->status()) {
    case TraceReader::Status::kComplete:
      fmt::print(out, "status:         complete\n");
      return 0;
    case TraceReader::Status::kTruncated:
      // An unfinished recording is still a recording: describe it and say so, no failure.
      fmt::print(out, "status:         truncated: {}\n", r->message());
      return 0;
    default:
      fmt::print(out, "status:         corrupt: {}\n", r->message());
      fmt::print(err, "rewind: {}: {}\n", path, r->message());
      return 1;
  }
}

int dump(const std::string& path, uint64_t limit, bool raw, uint64_t raw_chunk, std::FILE* out,
         std::FILE* err) {
  std::string error;
  auto r = TraceReader::open(path, &error);
  if (!r) {
    fmt::print(err, "rewind: {}\n", error);
    return 1;
  }
  if (raw) {
    std::vector<uint8_t> message;
    if (!r->raw_chunk(raw_chunk, &message, &error)) {
      fmt::print(err, "rewind: {}: {}\n", path, error);
      return 1;
    }
    std::fwrite(message.data(), 1, message.size(), out);
    return std::fflush(out) == 0 ? 0 : 1;
  }
  Event e;
  while (r->events_read() < limit && r->next(&e)) {
    fmt::print(out, "{:>8} clock={} icount={} {} {}\n", r->events_read() - 1, e.clock, e.icount,
               event_kind_name(e.kind), describe(e));
  }
  if (r->events_read() < limit && r->status() != TraceReader::Status::kComplete) {
    fmt::print(err, "rewind: {}: {}\n", path, r->message());
    return r->status() == TraceReader::Status::kTruncated ? 0 : 1;
  }
  return 0;
}

}  // namespace

int trace_main(int argc, char** argv, std::FILE* out, std::FILE* err) {
  auto usage = [&](const std::string& problem) {
    if (!problem.empty()) fmt::print(err, "rewind trace: {}\n", problem);
    fmt::print(err, "{}", kUsage);
    return 2;
  };
  if (argc < 1) return usage("missing command (info or dump)");
  const std::string command = argv[0];
  if (command == "--help" || command == "-h" || command == "help") {
    fmt::print(out, "{}", kUsage);
    return 0;
  }
  if (command != "info" && command != "dump") return usage("unknown command " + command);
  std::string file;
  uint64_t limit = UINT64_MAX, raw_chunk = 0;
  bool raw = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (command == "dump" && (a == "--limit" || a == "--raw-chunk")) {
      if (i + 1 >= argc) return usage(fmt::format("{} needs a number", a));
      uint64_t* target = a == "--limit" ? &limit : &raw_chunk;
      if (!parse_number(argv[++i], target)) {
        return usage(fmt::format("{} needs a number, not {}", a, argv[i]));
      }
      raw |= a == "--raw-chunk";
    } else if (!a.empty() && a[0] == '-') {
      return usage(fmt::format("unknown option {}", a));
    } else if (file.empty()) {
      file = a;
    } else {
      return usage(fmt::format("unexpected argument {}", a));
    }
  }
  if (file.empty()) return usage("missing trace file");
  return command == "info" ? info(file, out, err) : dump(file, limit, raw, raw_chunk, out, err);
}

int trace_main(int argc, char** argv) { return trace_main(argc, argv, stdout, stderr); }

}  // namespace rwd::trace
