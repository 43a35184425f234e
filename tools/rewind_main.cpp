// The `rewind` command line: user, run, record, replay and trace.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <sys/resource.h>

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "exec/interpreter.h"
#include "jit/jit_engine.h"
#include "frontend/translator.h"
#include "gdbstub/server.h"
#include "linux_user/user_process.h"
#include "run/machine_options.h"
#include "run/run_command.h"
#include "trace/trace_command.h"

namespace {

const std::vector<std::string> kTiers = {"interp", "jit", "llvm", "auto"};
constexpr const char* kTierHelp =
    "Execution tier: interp (reference interpreter), jit (template JIT), llvm (every block "
    "compiled by LLVM first, for testing) or auto (template JIT plus LLVM for hot code; the "
    "default)";

constexpr const char* kHotThresholdHelp =
    "Auto tier: block entries (or loop iterations) after which a block is compiled by LLVM";
constexpr const char* kOptLevelHelp = "LLVM optimisation level for the llvm and auto tiers (0-3)";
constexpr const char* kCompileShareHelp =
    "Auto tier: the most of the run's wall time, in percent, that the background thread may "
    "spend compiling";

struct UserCommand {
  std::string tier = "auto";
  uint32_t hot_threshold = rwd::jit::JitOptions{}.hot_threshold;
  int llvm_opt_level = rwd::jit::JitOptions{}.llvm_opt_level;
  uint32_t llvm_compile_share = rwd::jit::JitOptions{}.llvm_compile_share;
  size_t code_cache_mib = 64;
  std::string prefix = "/usr/riscv64-linux-gnu";
  bool stats = false;
  bool dump_ir = false;
  bool strace = false;
  bool perf_map = false;
  uint64_t seed = 0;
};

// Ends this process the way the guest ended, so callers see the same status as under qemu.
[[noreturn]] void exit_like_guest(const rwd::linux_user::GuestExit& result) {
  std::fflush(nullptr);
  if (result.by_signal) {
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    std::signal(result.code, SIG_DFL);
    std::raise(result.code);
    std::_Exit(128 + result.code);  // the signal's default action is to continue or ignore
  }
  std::exit(result.code);
}

int run_user(const UserCommand& opts, const std::vector<std::string>& guest_args) {
  using namespace rwd;
  if (guest_args.empty()) {
    fmt::print(stderr, "rewind user: missing program to run (usage: rewind user [OPTIONS] PROG [ARGS...])\n");
    return 2;
  }
  linux_user::UserOptions uo;
  uo.program = guest_args[0];
  uo.argv = guest_args;
  uo.prefix = opts.prefix;
  uo.strace = opts.strace;
  uo.random_seed = opts.seed;
  std::string error;
  auto process = linux_user::UserProcess::create(uo, &error);
  if (!process) {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  }
  Translator translator;
  linux_user::GuestExit result;
  if (opts.tier == "interp") {
    Interpreter engine(translator);
    engine.set_dump_ir(opts.dump_ir);
    result = process->run(engine);
    if (opts.stats) {
      const InterpreterStats& s = engine.stats();
      fmt::print(process->diagnostics(),
                 "rewind: {} guest instructions retired; interp: {} blocks ({} instructions) "
                 "translated, {} blocks executed\n",
                 process->cpu().icount, s.blocks_translated, s.guest_insns_translated,
                 s.blocks_executed);
    }
  } else {
    jit::JitOptions jit_options;
    jit_options.code_cache_bytes = opts.code_cache_mib << 20;
    jit::parse_tier(opts.tier, &jit_options.tier);  // CLI11 checked the name
    jit_options.hot_threshold = opts.hot_threshold;
    jit_options.llvm_opt_level = opts.llvm_opt_level;
    jit_options.llvm_compile_share = opts.llvm_compile_share;
    jit::JitEngine engine(translator, jit_options);
    engine.set_dump_ir(opts.dump_ir);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> perf_map(nullptr, &std::fclose);
    if (opts.perf_map) {
      perf_map.reset(std::fopen(fmt::format("/tmp/perf-{}.map", getpid()).c_str(), "w"));
      engine.set_perf_map(perf_map.get());
    }
    result = process->run(engine);
    if (opts.stats) {
      fmt::print(process->diagnostics(), "rewind: {} guest instructions retired; {}\n",
                 process->cpu().icount,
                 jit::describe_stats(engine.stats(), engine.tier(), process->cpu().icount,
                                     "rewind: "));
    }
  }
  exit_like_guest(result);
}

// --save-at ICOUNT FILE as two values.
void add_save_at(CLI::App& cmd, std::vector<std::string>& save_at) {
  cmd.add_option("--save-at", save_at,
                 "Save a snapshot to FILE when exactly ICOUNT instructions have retired")
      ->expected(2)
      ->type_name("ICOUNT FILE");
}

bool finish_save_at(const std::vector<std::string>& save_at, rwd::run::RunOptions& run) {
  if (save_at.empty()) return true;
  try {
    size_t used = 0;
    const unsigned long long v = std::stoull(save_at[0], &used, 0);
    if (used != save_at[0].size()) throw std::invalid_argument("trailing characters");
    run.save_at = v;
  } catch (const std::exception&) {
    fmt::print(stderr, "rewind: --save-at {}: not an instruction count\n", save_at[0]);
    return false;
  }
  run.save_file = save_at[1];
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  // `rewind trace` reads files and runs no machine: it parses its own few arguments.
  if (argc >= 2 && std::string(argv[1]) == "trace") {
    return rwd::trace::trace_main(argc - 2, argv + 2);
  }
  CLI::App app{"Rewind: deterministic RISC-V record/replay emulator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rewind 0.1");

  UserCommand user;
  CLI::App* user_cmd = app.add_subcommand("user", "Run a riscv64 Linux program (user mode)");
  user_cmd->add_option("--tier", user.tier, kTierHelp)->check(CLI::IsMember(kTiers));
  user_cmd->add_option("--hot-threshold", user.hot_threshold, kHotThresholdHelp)
      ->check(CLI::Range(1u, 1u << 30));
  user_cmd->add_option("--llvm-opt-level", user.llvm_opt_level, kOptLevelHelp)
      ->check(CLI::Range(0, 3));
  user_cmd->add_option("--llvm-compile-share", user.llvm_compile_share, kCompileShareHelp)
      ->check(CLI::Range(1u, 100u));
  user_cmd->add_option("--code-cache-mib", user.code_cache_mib, "JIT code cache size in MiB")
      ->check(CLI::Range(1, 4096));
  user_cmd->add_option("-L", user.prefix, "Prefix for the ELF interpreter and libraries");
  user_cmd->add_flag("--stats", user.stats, "Print instruction and translation counts on exit");
  user_cmd->add_flag("--dump-ir", user.dump_ir, "Print the IR of every translated block");
  user_cmd->add_flag("--strace", user.strace, "Trace the guest's system calls");
  user_cmd->add_flag("--perf-map", user.perf_map,
                     "Write /tmp/perf-PID.map so Linux perf names translated guest code");
  user_cmd->add_option("--seed", user.seed, "Seed for the guest's random bytes (AT_RANDOM, getrandom)");
  // Everything from the program name on belongs to the guest, options included.
  user_cmd->prefix_command();

  auto add_gdb_options = [](CLI::App& cmd, rwd::run::RunOptions& run) {
    cmd.add_option("--gdb", run.gdb_device,
                   "Serve gdb on DEVICE (QEMU's -gdb: tcp::PORT, tcp:HOST:PORT; port 0 picks one)");
    cmd.add_flag_callback("-s", [&run] { run.gdb_device = std::string(rwd::gdb::kDefaultGdbDevice); },
                          "Shorthand for -gdb tcp::1234");
    cmd.add_flag("-S", run.gdb_wait, "Wait for gdb before the first instruction");
  };

  auto add_tier_options = [](CLI::App& cmd, rwd::run::RunOptions& run) {
    cmd.add_option("--tier", run.tier, kTierHelp)->check(CLI::IsMember(kTiers));
    cmd.add_option("--hot-threshold", run.hot_threshold, kHotThresholdHelp)
        ->check(CLI::Range(1u, 1u << 30));
    cmd.add_option("--llvm-opt-level", run.llvm_opt_level, kOptLevelHelp)->check(CLI::Range(0, 3));
    cmd.add_option("--llvm-compile-share", run.llvm_compile_share, kCompileShareHelp)
        ->check(CLI::Range(1u, 100u));
    cmd.add_option("--code-cache-mib", run.code_cache_mib, "JIT code cache size in MiB")
        ->check(CLI::Range(1, 4096));
    cmd.add_flag("--stats", run.stats, "Print how the run ended and execution counts");
  };

  rwd::run::RunOptions run;
  rwd::run::MachineOptions run_machine_options;
  std::vector<std::string> run_save_at;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Boot the riscv64 virt machine (QEMU's options: -bios -kernel -initrd -append -m ...)");
  run_machine_options.add_to(*run_cmd);
  add_tier_options(*run_cmd, run);
  add_save_at(*run_cmd, run_save_at);
  run_cmd->add_option("--load", run.load_file,
                      "Start from a snapshot (its machine options and images; others are ignored)");
  add_gdb_options(*run_cmd, run);
  run_cmd->add_option("--checkpoint-mib", run.checkpoint_mib,
                      "Host memory for reverse-execution checkpoints under gdb (default 512; 0: "
                      "keep no history, forward debugging only)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 20));

  rwd::run::RecordOptions record;
  rwd::run::MachineOptions record_machine_options;
  CLI::App* record_cmd = app.add_subcommand(
      "record", "Run the virt machine like `run`, recording every host input to a trace");
  record_cmd->add_option("-o,--output", record.trace_file, "The trace file to write")->required();
  record_cmd->add_option("--hash-interval", record.hash_interval,
                         "Instructions between state hashes in the trace (default 100000000)")
      ->check(CLI::Range(uint64_t{1000}, uint64_t{1} << 62));
  record_machine_options.add_to(*record_cmd);
  add_tier_options(*record_cmd, record.run);

  rwd::run::ReplayOptions replay;
  std::vector<std::string> replay_save_at;
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "Replay a trace: the same machine, the recorded inputs, no terminal input");
  replay_cmd->add_option("trace", replay.trace_file, "The trace file")->required();
  add_tier_options(*replay_cmd, replay.run);
  add_save_at(*replay_cmd, replay_save_at);
  replay_cmd->add_option("--from", replay.run.load_file,
                         "Resume from a snapshot taken during a replay of this trace");
  add_gdb_options(*replay_cmd, replay.run);
  replay_cmd->add_option("--checkpoint-mib", replay.run.checkpoint_mib,
                         "Host memory for reverse-execution checkpoints under gdb (default 512)")
      ->check(CLI::Range(uint64_t{16}, uint64_t{1} << 20));

  std::vector<std::string> args = rwd::run::qemu_style_arguments(
      std::vector<std::string>(argv, argv + argc), {"run", "record", "replay"});
  std::vector<char*> arg_ptrs;
  for (std::string& a : args) arg_ptrs.push_back(a.data());
  try {
    app.parse(int(arg_ptrs.size()), arg_ptrs.data());
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every malformed command line is a usage error (2).
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (user_cmd->parsed()) return run_user(user, user_cmd->remaining());
    std::string error;
    if (run_cmd->parsed()) {
      if (!finish_save_at(run_save_at, run)) return 2;
      if (!run_machine_options.finish(&error)) {
        fmt::print(stderr, "rewind: {}\n", error);
        return 1;
      }
      run.config = run_machine_options.config;
      return rwd::run::run_machine(run);
    }
    if (record_cmd->parsed()) {
      if (!record_machine_options.finish(&error)) {
        fmt::print(stderr, "rewind: {}\n", error);
        return 1;
      }
      record.run.config = record_machine_options.config;
      return rwd::run::record_machine(record);
    }
    if (replay_cmd->parsed()) {
      if (!finish_save_at(replay_save_at, replay.run)) return 2;
      return rwd::run::replay_machine(replay);
    }
  } catch (const std::exception& e) {
    // Internal limits (e.g. the code cache cannot be mapped): one line, no crash.
    fmt::print(stderr, "rewind: {}\n", e.what());
    return 1;
  }
  return 2;
}
