#include "linux_user/user_process.h"

#include <elf.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "linux_user/elf_loader.h"
#include "linux_user/guest_process.h"
#include "linux_user/initial_stack.h"
#include "linux_user/signals.h"
#include "linux_user/syscalls.h"

extern char** environ;

namespace rwd::linux_user {
namespace {

// Guest layout, modelled on Linux riscv64 (Sv39) without randomization: the stack at the top of
// user space, mmap growing down from below a gap under it, PIE programs at 2/3 of the space
// (ELF_ET_DYN_BASE) and the heap right after the program.
constexpr uint64_t kStackTop = kGuestSpaceSize;
constexpr uint64_t kStackBytes = uint64_t{8} << 20;
constexpr uint64_t kStackGap = uint64_t{128} << 20;
constexpr uint64_t kPieBase = page_down(kGuestSpaceSize / 3 * 2);

// AT_HWCAP bits for RV64IMAFDC: bit (letter - 'A') per single-letter extension.
constexpr uint64_t hwcap_bit(char extension) { return uint64_t{1} << (extension - 'A'); }
constexpr uint64_t kHwcap = hwcap_bit('I') | hwcap_bit('M') | hwcap_bit('A') | hwcap_bit('F') |
                            hwcap_bit('D') | hwcap_bit('C');

// "li a7, 139 (rt_sigreturn); ecall": where guest signal handlers return to (Linux uses the
// vDSO's __vdso_rt_sigreturn, which we do not provide).
constexpr uint32_t kSigreturnCode[] = {0x08b00893, 0x00000073};

std::string absolute_path(const std::string& path) {
  char resolved[PATH_MAX];
  if (::realpath(path.c_str(), resolved)) return resolved;
  return path;
}

std::vector<std::string> host_environment() {
  std::vector<std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) env.emplace_back(*entry);
  return env;
}

bool map_stack(UserMemory& memory, std::string* error) {
  const int64_t r = memory.map(kStackTop - kStackBytes, kStackBytes, kProtRead | kProtWrite,
                               MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, "[stack]");
  if (r < 0) {
    *error = fmt::format("cannot map the guest stack: {}", std::strerror(int(-r)));
    return false;
  }
  memory.set_mmap_ceiling(kStackTop - kStackBytes - kStackGap);
  return true;
}

std::optional<uint64_t> map_sigreturn_trampoline(UserMemory& memory) {
  auto page = memory.find_free_range(kGuestPageSize, memory.mmap_ceiling());
  if (!page) return std::nullopt;
  if (memory.map(*page, kGuestPageSize, kProtRead | kProtWrite,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, "[sigreturn]") < 0) {
    return std::nullopt;
  }
  memory.copy_to_guest(*page, kSigreturnCode, sizeof kSigreturnCode);
  memory.protect(*page, kGuestPageSize, kProtRead | kProtExec);
  return page;
}

void init_rlimits(GuestProcess& process) {
  for (int resource = 0; resource < kGuestResourceLimits; ++resource) {
    struct rlimit host;
    if (::getrlimit(resource, &host) == 0) {
      process.rlimits[resource] = GuestRlimit{host.rlim_cur, host.rlim_max};
    } else {
      process.rlimits[resource] = GuestRlimit{RLIM_INFINITY, RLIM_INFINITY};
    }
  }
  process.rlimits[RLIMIT_STACK].current = kStackBytes;
}

// Finds PT_INTERP under the prefix first (qemu -L semantics), then as given.
std::optional<std::string> locate_interpreter(const std::string& prefix,
                                              const std::string& interp) {
  struct stat st;
  if (!prefix.empty() && interp.starts_with('/')) {
    std::string candidate = prefix + interp;
    if (::stat(candidate.c_str(), &st) == 0) return candidate;
  }
  if (::stat(interp.c_str(), &st) == 0) return interp;
  return std::nullopt;
}

}  // namespace

UserProcess::UserProcess(std::unique_ptr<GuestProcess> state) : state_(std::move(state)) {}
UserProcess::~UserProcess() = default;

CpuState& UserProcess::cpu() { return state_->cpu; }
GuestMemory& UserProcess::memory() { return *state_->memory; }
UserMemory& UserProcess::user_memory() { return *state_->memory; }

std::FILE* UserProcess::diagnostics() const { return state_->diagnostics.stream(); }

std::unique_ptr<UserProcess> UserProcess::create(const UserOptions& opts, std::string* error) {
  std::string scratch;
  if (!error) error = &scratch;
  auto state = std::make_unique<GuestProcess>();
  GuestProcess& process = *state;
  process.options = opts;
  if (opts.diagnostics) process.diagnostics.redirect(opts.diagnostics);
  if (process.options.argv.empty()) process.options.argv = {opts.program};
  process.random = DeterministicRandom(opts.random_seed);
  if (opts.clock) process.clock = opts.clock;
  process.exe_path = absolute_path(opts.program);

  std::optional<ElfImage> program = read_elf_file(opts.program, error);
  if (!program) return nullptr;
  std::optional<ElfImage> interpreter;
  if (program->interpreter) {
    auto path = locate_interpreter(opts.prefix, *program->interpreter);
    if (!path) {
      *error = fmt::format("{}: ELF interpreter {} not found (looked under prefix '{}')",
                           opts.program, *program->interpreter, opts.prefix);
      return nullptr;
    }
    interpreter = read_elf_file(*path, error);
    if (!interpreter) return nullptr;
    if (!interpreter->position_independent || interpreter->interpreter) {
      *error = fmt::format("{}: not usable as an ELF interpreter", *path);
      return nullptr;
    }
  }

  process.memory = UserMemory::create(error);
  if (!process.memory) return nullptr;
  UserMemory& memory = *process.memory;
  if (!map_stack(memory, error)) return nullptr;

  std::optional<LoadedElf> main = map_elf_image(memory, *program, kPieBase, error);
  if (!main) return nullptr;
  memory.set_brk_start(main->end);
  uint64_t entry = main->entry;
  uint64_t interpreter_base = 0;
  if (interpreter) {
    std::optional<LoadedElf> loaded = map_elf_image(memory, *interpreter, 0, error);
    if (!loaded) return nullptr;
    entry = loaded->entry;
    interpreter_base = loaded->load_bias;
  }
  auto trampoline = map_sigreturn_trampoline(memory);
  if (!trampoline) {
    *error = "no room for the signal return trampoline";
    return nullptr;
  }
  process.sigreturn_trampoline = *trampoline;

  InitialStackContents stack;
  stack.argv = process.options.argv;
  stack.envp = opts.env ? *opts.env : host_environment();
  stack.execfn = opts.program;
  stack.platform = "riscv64";
  process.random.fill(stack.random);
  stack.auxv = {
      {AT_PHDR, main->phdr},       {AT_PHENT, main->phent},
      {AT_PHNUM, main->phnum},     {AT_PAGESZ, kGuestPageSize},
      {AT_BASE, interpreter_base}, {AT_FLAGS, 0},
      {AT_ENTRY, main->entry},     {AT_UID, ::getuid()},
      {AT_EUID, ::geteuid()},      {AT_GID, ::getgid()},
      {AT_EGID, ::getegid()},      {AT_SECURE, 0},
      {AT_HWCAP, kHwcap},          {AT_CLKTCK, static_cast<uint64_t>(::sysconf(_SC_CLK_TCK))},
  };
  auto sp = build_initial_stack(memory, kStackTop, kStackTop - kStackBytes, stack);
  if (!sp) {
    *error = fmt::format("{}: arguments and environment do not fit on the stack", opts.program);
    return nullptr;
  }

  init_rlimits(process);
  CpuState& cpu = process.cpu;
  std::memset(&cpu, 0, sizeof cpu);
  cpu.pc = entry;
  cpu.x[2] = *sp;
  cpu.memory = &memory;
  cpu.icount_limit = UINT64_MAX;
  cpu.reservation_addr = kNoReservation;
  memory.take_code_changes();  // nothing is translated yet
  return std::unique_ptr<UserProcess>(new UserProcess(std::move(state)));
}

std::optional<GuestExit> UserProcess::handle_ecall() {
  GuestProcess& process = *state_;
  perform_syscall(process);
  if (process.exit) return process.exit;
  // The ecall retires once the syscall completes, unless rt_sigreturn reloaded the registers.
  if (!process.registers_replaced) process.cpu.pc += 4;
  process.cpu.icount += 1;
  if (auto exit = deliver_pending_signals(process)) process.exit = exit;
  return process.exit;
}

std::optional<GuestExit> UserProcess::handle_fault(Cause cause, uint64_t tval) {
  GuestProcess& process = *state_;
  if (auto exit = deliver_fault_signal(process, siginfo_for_fault(cause, tval))) {
    process.exit = exit;
  }
  return process.exit;
}

// An ecall performs its syscall; any other exception becomes the guest's signal.
void UserProcess::handle_exception(const StopInfo& stop) {
  if (stop.cause == Cause::kEcallU) {
    handle_ecall();
  } else {
    handle_fault(stop.cause, stop.tval);
  }
}

// A store hit a page holding translated code (UserMemory::release_watched_pages), so it did not
// happen. Translations of that page are dropped, then exactly that one instruction runs with
// watching paused — its own block may live on the page it writes, and translating it again with
// watching on would write-protect the page again and fault forever. Whatever was translated
// during the step is dropped afterwards, so the page is watched again from the next fetch on.
void UserProcess::step_past_code_store(ExecutionEngine& engine, uint64_t address) {
  GuestProcess& process = *state_;
  UserMemory& memory = *process.memory;
  for (const auto& [start, len] : memory.take_code_changes()) engine.invalidate(start, len);
  const uint64_t limit = process.cpu.icount_limit;
  process.cpu.icount_limit = process.cpu.icount + 1;
  memory.pause_code_watch(true);
  const StopInfo stop = engine.run(process.cpu);
  memory.pause_code_watch(false);
  process.cpu.icount_limit = limit;
  const uint64_t page = address & ~(kGuestPageSize - 1);
  engine.invalidate(page, kGuestPageSize);
  if (stop.reason == StopReason::kException) handle_exception(stop);
  for (const auto& [start, len] : memory.take_code_changes()) engine.invalidate(start, len);
}

GuestExit UserProcess::run(ExecutionEngine& engine) {
  GuestProcess& process = *state_;
  while (!process.exit) {
    const StopInfo stop = engine.run(process.cpu);
    if (stop.reason == StopReason::kIcountLimit) {
      // create() sets no limit; if a driver set one, run() lifts it rather than spin on it.
      if (process.cpu.icount >= process.cpu.icount_limit) process.cpu.icount_limit = UINT64_MAX;
      continue;
    }
    if (stop.cause == Cause::kStorePageFault &&
        process.memory->release_watched_pages(stop.tval, 1)) {
      step_past_code_store(engine, stop.tval);
      continue;
    }
    handle_exception(stop);
    for (const auto& [start, len] : process.memory->take_code_changes()) {
      engine.invalidate(start, len);
    }
  }
  return *process.exit;
}

}  // namespace rwd::linux_user
