#include "gdbstub/machine_target.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "cpu/register_names.h"
#include "gdbstub/target_description.h"
#include "priv/csr.h"

namespace rwd::gdb {

namespace {

namespace csr = priv::csr;
using replay::TimelineStop;

// The CSRs shown to gdb, by the names gdb gives them (gdb/features/riscv/64bit-csr.xml).
const std::vector<CsrInfo>& csr_table() {
  static const std::vector<CsrInfo> table = [] {
    std::vector<CsrInfo> t = {
        {csr::kFflags, "fflags"},     {csr::kFrm, "frm"},
        {csr::kFcsr, "fcsr"},         {csr::kCycle, "cycle"},
        {csr::kTime, "time"},         {csr::kInstret, "instret"},
        {csr::kSstatus, "sstatus"},   {csr::kSie, "sie"},
        {csr::kStvec, "stvec"},       {csr::kScounteren, "scounteren"},
        {csr::kSenvcfg, "senvcfg"},   {csr::kSscratch, "sscratch"},
        {csr::kSepc, "sepc"},         {csr::kScause, "scause"},
        {csr::kStval, "stval"},       {csr::kSip, "sip"},
        {csr::kSatp, "satp"},         {csr::kMstatus, "mstatus"},
        {csr::kMisa, "misa"},         {csr::kMedeleg, "medeleg"},
        {csr::kMideleg, "mideleg"},   {csr::kMie, "mie"},
        {csr::kMtvec, "mtvec"},       {csr::kMcounteren, "mcounteren"},
        {csr::kMenvcfg, "menvcfg"},   {csr::kMcountinhibit, "mcountinhibit"},
        {csr::kMscratch, "mscratch"}, {csr::kMepc, "mepc"},
        {csr::kMcause, "mcause"},     {csr::kMtval, "mtval"},
        {csr::kMip, "mip"},           {csr::kMcycle, "mcycle"},
        {csr::kMinstret, "minstret"}, {csr::kMvendorid, "mvendorid"},
        {csr::kMarchid, "marchid"},   {csr::kMimpid, "mimpid"},
        {csr::kMhartid, "mhartid"},
    };
    t.push_back({csr::kPmpcfg0, "pmpcfg0"});
    t.push_back({csr::kPmpcfg0 + 2, "pmpcfg2"});
    for (uint32_t i = 0; i < 16; ++i) t.push_back({csr::kPmpaddr0 + i, fmt::format("pmpaddr{}", i)});
    return t;
  }();
  return table;
}

const CsrInfo* csr_by_number(uint32_t number) {
  for (const CsrInfo& c : csr_table()) {
    if (c.number == number) return &c;
  }
  return nullptr;
}

std::vector<uint8_t> le_bytes(uint64_t v) {
  std::vector<uint8_t> out(8);
  std::memcpy(out.data(), &v, 8);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits off the first word.
std::string_view next_word(std::string_view* s) {
  *s = trim(*s);
  const size_t end = s->find_first_of(" \t");
  std::string_view word = s->substr(0, end);
  s->remove_prefix(end == std::string_view::npos ? s->size() : end);
  return word;
}

// Decimal, or hexadecimal with 0x.
std::optional<uint64_t> parse_number(std::string_view text) {
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, base);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

constexpr const char* kHelp =
    "Rewind monitor commands:\n"
    "  help                     this list\n"
    "  when | icount            where in the history the machine is (instructions retired)\n"
    "  seek N                   go to instruction count N (either direction)\n"
    "  checkpoint               take a checkpoint here (going back near here gets quicker)\n"
    "  last-write ADDR [LEN]    go back to the last instruction that wrote ADDR (LEN bytes,\n"
    "                           default 1), stopping before it\n"
    "  reg NAME                 a register by name (x0-x31, ABI names, pc, f0-f31, CSRs, priv)\n"
    "  xp ADDR [LEN]            physical memory (RAM and ROM), LEN bytes (default 16)\n"
    "  stats                    checkpoints and re-execution so far\n"
    "After seek or last-write, refresh gdb's view with `maint flush register-cache`.\n";

}  // namespace

MachineTarget::MachineTarget(system::Machine& machine, ExecutionEngine& engine,
                             replay::Timeline& timeline, bool replaying)
    : machine_(machine), engine_(engine), timeline_(timeline), replaying_(replaying) {}

std::vector<CsrInfo> MachineTarget::csrs() const { return csr_table(); }

bool MachineTarget::read_register(unsigned regno, std::vector<uint8_t>* bytes) {
  system::Hart& hart = machine_.hart();
  const CpuState& cpu = hart.cpu();
  if (regno < 32) {
    *bytes = le_bytes(regno == 0 ? 0 : cpu.x[regno]);
  } else if (regno == kRegPc) {
    *bytes = le_bytes(cpu.pc);
  } else if (regno >= kRegF0 && regno < kRegF0 + 32) {
    *bytes = le_bytes(cpu.f[regno - kRegF0]);
  } else if (regno == kRegPriv) {
    *bytes = le_bytes(uint64_t(hart.state().priv));
  } else if (regno >= kFirstCsr && regno < kFirstCsr + 4096 && csr_by_number(regno - kFirstCsr)) {
    *bytes = le_bytes(hart.debug_read_csr(regno - kFirstCsr));
  } else {
    return false;
  }
  return true;
}

bool MachineTarget::write_register(unsigned regno, std::span<const uint8_t> bytes,
                                   std::string* error) {
  if (!writable(error)) return false;
  uint64_t v = 0;
  if (!bytes.empty()) std::memcpy(&v, bytes.data(), std::min<size_t>(bytes.size(), 8));
  system::Hart& hart = machine_.hart();
  CpuState& cpu = hart.cpu();
  if (regno == 0) return true;  // x0 stays zero
  if (regno < 32) {
    cpu.x[regno] = v;
  } else if (regno == kRegPc) {
    cpu.pc = v;
  } else if (regno >= kRegF0 && regno < kRegF0 + 32) {
    cpu.f[regno - kRegF0] = v;
  } else if (regno >= kFirstCsr && regno < kFirstCsr + 4096 && csr_by_number(regno - kFirstCsr)) {
    hart.debug_write_csr(regno - kFirstCsr, v);
  } else {
    *error = fmt::format("register {} cannot be written", regno);
    return false;
  }
  return true;
}

bool MachineTarget::writable(std::string* error) const {
  if (replaying_) {
    *error = "registers and memory are read-only in a replay (a change would leave the "
             "recorded path)";
    return false;
  }
  if (timeline_.keeps_history()) {
    // A change the history does not hold would make going back and forth again arrive
    // somewhere else.
    *error = "registers and memory are read-only while the run keeps a history to go back "
             "through (--checkpoint-mib 0 allows changes, without reverse execution)";
    return false;
  }
  return true;
}

size_t MachineTarget::read_memory(uint64_t address, std::span<uint8_t> out) {
  return machine_.debug_read(address, out);
}

bool MachineTarget::write_memory(uint64_t address, std::span<const uint8_t> bytes,
                                 std::string* error) {
  if (!writable(error)) return false;
  if (machine_.debug_write(engine_, address, bytes) != bytes.size()) {
    *error = fmt::format("cannot write {} bytes at {:#x}", bytes.size(), address);
    return false;
  }
  return true;
}

bool MachineTarget::set_breakpoint(BreakpointKind kind, uint64_t address, bool insert) {
  if (kind == BreakpointKind::kHardware) {
    if (insert) {
      hardware_breakpoints_.insert(address);
    } else {
      hardware_breakpoints_.erase(address);
    }
  }
  const bool ok = timeline_.set_breakpoint(address, insert);
  if (insert && ok) breakpoints_.insert(address);
  if (!insert) breakpoints_.erase(address);
  return ok;
}

bool MachineTarget::set_watchpoint(WatchKind kind, uint64_t address, uint64_t length,
                                   bool insert) {
  if (length == 0) return false;
  const system::WatchKind k = kind == WatchKind::kWrite  ? system::WatchKind::kWrite
                              : kind == WatchKind::kRead ? system::WatchKind::kRead
                                                         : system::WatchKind::kAccess;
  const system::Watchpoint w{address, length, k};
  const bool ok = timeline_.set_watchpoint(w, insert);
  const auto known = std::find(watchpoints_.begin(), watchpoints_.end(), w);
  if (insert && ok && known == watchpoints_.end()) watchpoints_.push_back(w);
  if (!insert && known != watchpoints_.end()) watchpoints_.erase(known);
  return ok;
}

void MachineTarget::detach() {
  for (uint64_t pc : breakpoints_) timeline_.set_breakpoint(pc, false);
  for (const system::Watchpoint& w : watchpoints_) timeline_.set_watchpoint(w, false);
  breakpoints_.clear();
  watchpoints_.clear();
  hardware_breakpoints_.clear();
  detached_ = true;
}

StopEvent MachineTarget::stop_event(const TimelineStop& stop) {
  StopEvent e;
  switch (stop.kind) {
    case TimelineStop::Kind::kArrived: e.kind = StopEvent::Kind::kStep; break;
    case TimelineStop::Kind::kBreakpoint:
      e.kind = StopEvent::Kind::kBreakpoint;
      e.breakpoint = hardware_breakpoints_.contains(machine_.hart().cpu().pc)
                         ? BreakpointKind::kHardware
                         : BreakpointKind::kSoftware;
      break;
    case TimelineStop::Kind::kWatchpoint:
      e.kind = StopEvent::Kind::kWatchpoint;
      e.watch = stop.watch.kind == system::WatchKind::kWrite  ? WatchKind::kWrite
                : stop.watch.kind == system::WatchKind::kRead ? WatchKind::kRead
                                                              : WatchKind::kAccess;
      e.watch_address = stop.watch.address;
      break;
    case TimelineStop::Kind::kInterrupted: e.kind = StopEvent::Kind::kInterrupted; break;
    case TimelineStop::Kind::kHistoryBegin: e.kind = StopEvent::Kind::kHistoryBegin; break;
    case TimelineStop::Kind::kHistoryEnd:
      if (timeline_.keeps_history()) {
        // The history ends here; the user can still go back.
        e.kind = StopEvent::Kind::kHistoryEnd;
        fmt::print(stderr, "rewind: end of the {} ({}) at instruction {}\n",
                   replaying_ ? "recording" : "run", stop.exit.reason,
                   machine_.instructions_retired());
      } else {
        e.kind = StopEvent::Kind::kExited;
        e.exit_code = stop.exit.code;
      }
      break;
    case TimelineStop::Kind::kError:
      // The history cannot be trusted past this point: end the session, saying why.
      fmt::print(stderr, "rewind: {}\n", stop.error);
      e.kind = StopEvent::Kind::kExited;
      e.exit_code = 1;
      break;
  }
  return e;
}

StopEvent MachineTarget::resume(ResumeAction action, const std::function<bool()>& interrupted) {
  switch (action) {
    case ResumeAction::kContinue: return stop_event(timeline_.run_forward(interrupted));
    case ResumeAction::kStep: return stop_event(timeline_.step_forward());
    case ResumeAction::kReverseContinue: return stop_event(timeline_.run_backward(interrupted));
    case ResumeAction::kReverseStep: return stop_event(timeline_.step_backward());
  }
  return {};
}

std::string MachineTarget::describe_position() const {
  const replay::TimePoint at = timeline_.now();
  std::string s = fmt::format("instruction {} (virtual time {} ns), pc {:#x}", at.icount,
                              machine_.virtual_time(), machine_.hart().cpu().pc);
  if (at.breakpoint_stop > 0) s += ", at a breakpoint";
  if (timeline_.ended()) s += ", at the end of the run";
  return s;
}

std::string MachineTarget::monitor(std::string_view command,
                                   const std::function<bool()>& interrupted, bool* ok) {
  *ok = true;
  std::string_view args = command;
  const std::string_view verb = next_word(&args);
  if (verb.empty() || verb == "help") return kHelp;
  if (verb == "when" || verb == "icount") return describe_position() + "\n";
  if (verb == "seek") return monitor_seek(args, interrupted, ok);
  if (verb == "last-write") return monitor_last_write(args, interrupted, ok);
  if (verb == "reg") return monitor_register(args, ok);
  if (verb == "xp") return monitor_physical(args, ok);
  if (verb == "checkpoint") {
    std::string error;
    if (!timeline_.checkpoint_now(&error)) {
      *ok = false;
      return "checkpoint: " + error + "\n";
    }
    const replay::TimelineStats s = timeline_.stats();
    return fmt::format("checkpoint at instruction {} ({} checkpoints, {:.1f} MiB)\n",
                       timeline_.now().icount, s.checkpoints,
                       double(s.checkpoint_bytes) / (1 << 20));
  }
  if (verb == "stats") {
    const replay::TimelineStats s = timeline_.stats();
    return fmt::format(
        "{} checkpoints, {:.1f} MiB; {} restores; {} instructions re-executed; history starts "
        "at instruction {}\n",
        s.checkpoints, double(s.checkpoint_bytes) / (1 << 20), s.restores,
        s.instructions_reexecuted, timeline_.start().icount);
  }
  *ok = false;
  return fmt::format("unknown monitor command '{}' (try: monitor help)\n", verb);
}

std::string MachineTarget::monitor_seek(std::string_view args,
                                        const std::function<bool()>& interrupted, bool* ok) {
  const std::optional<uint64_t> n = parse_number(trim(args));
  if (!n) {
    *ok = false;
    return "usage: seek N (an instruction count)\n";
  }
  const TimelineStop stop = timeline_.seek(*n, interrupted);
  switch (stop.kind) {
    case TimelineStop::Kind::kArrived: return "at " + describe_position() + "\n";
    case TimelineStop::Kind::kHistoryEnd:
      return fmt::format("the run ends before that ({}): at {}\n", stop.exit.reason,
                         describe_position());
    case TimelineStop::Kind::kInterrupted: return "interrupted at " + describe_position() + "\n";
    default: *ok = false; return "seek: " + stop.error + "\n";
  }
}

std::string MachineTarget::monitor_last_write(std::string_view args,
                                              const std::function<bool()>& interrupted,
                                              bool* ok) {
  const std::optional<uint64_t> address = parse_number(next_word(&args));
  std::optional<uint64_t> length = uint64_t{1};
  if (!trim(args).empty()) length = parse_number(trim(args));
  if (!address || !length || *length == 0) {
    *ok = false;
    return "usage: last-write ADDR [LEN]\n";
  }
  const TimelineStop stop = timeline_.last_write(*address, *length, interrupted);
  switch (stop.kind) {
    case TimelineStop::Kind::kWatchpoint:
      return fmt::format("last write to {:#x}: the instruction at pc {:#x}, instruction {}\n",
                         stop.watch.address, machine_.hart().cpu().pc, timeline_.now().icount);
    case TimelineStop::Kind::kHistoryBegin:
      return fmt::format("no instruction wrote {:#x} since the start of the history (now at "
                         "instruction {})\n",
                         *address, timeline_.now().icount);
    case TimelineStop::Kind::kInterrupted: return "interrupted at " + describe_position() + "\n";
    default: *ok = false; return "last-write: " + stop.error + "\n";
  }
}

std::string MachineTarget::monitor_register(std::string_view args, bool* ok) {
  const std::string name(trim(args));
  std::optional<unsigned> regno;
  for (unsigned i = 0; i < 32; ++i) {
    if (name == x_register_name(i) || name == kGprAbiNames[i] || name == fmt::format("x{}", i)) {
      regno = i;
    }
    if (name == kFprAbiNames[i] || name == fmt::format("f{}", i)) regno = kRegF0 + i;
  }
  if (name == "pc") regno = kRegPc;
  if (name == "priv") regno = kRegPriv;
  for (const CsrInfo& c : csr_table()) {
    if (name == c.name) regno = kFirstCsr + c.number;
  }
  std::vector<uint8_t> bytes;
  if (!regno || !read_register(*regno, &bytes)) {
    *ok = false;
    return fmt::format("no register named '{}'\n", name);
  }
  uint64_t v = 0;
  std::memcpy(&v, bytes.data(), 8);
  return fmt::format("{} = {:#018x} ({})\n", name, v, v);
}

std::string MachineTarget::monitor_physical(std::string_view args, bool* ok) {
  const std::optional<uint64_t> address = parse_number(next_word(&args));
  std::optional<uint64_t> length = uint64_t{16};
  if (!trim(args).empty()) length = parse_number(trim(args));
  if (!address || !length || *length == 0 || *length > 4096) {
    *ok = false;
    return "usage: xp ADDR [LEN] (LEN at most 4096)\n";
  }
  std::vector<uint8_t> bytes(*length);
  const size_t got = machine_.debug_read_physical(*address, bytes);
  if (got == 0) {
    *ok = false;
    return fmt::format("physical address {:#x} is not RAM or ROM\n", *address);
  }
  std::string out;
  for (size_t i = 0; i < got; i += 16) {
    out += fmt::format("{:#018x}:", *address + i);
    for (size_t j = i; j < std::min(got, i + 16); ++j) out += fmt::format(" {:02x}", bytes[j]);
    out += '\n';
  }
  return out;
}

}  // namespace rwd::gdb
