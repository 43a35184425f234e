// The `rewind` command line. Subcommands arrive with their issues; today: `rewind user`.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <sys/resource.h>

#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "exec/interpreter.h"
#include "jit/jit_engine.h"
#include "frontend/translator.h"
#include "linux_user/user_process.h"

namespace {

struct UserCommand {
  std::string tier = "jit";
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
    jit::JitEngine engine(translator, opts.code_cache_mib << 20);
    engine.set_dump_ir(opts.dump_ir);
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> perf_map(nullptr, &std::fclose);
    if (opts.perf_map) {
      perf_map.reset(std::fopen(fmt::format("/tmp/perf-{}.map", getpid()).c_str(), "w"));
      engine.set_perf_map(perf_map.get());
    }
    result = process->run(engine);
    if (opts.stats) {
      const jit::JitStats& s = engine.stats();
      fmt::print(process->diagnostics(),
                 "rewind: {} guest instructions retired; jit: {} blocks ({} instructions) "
                 "compiled into {} bytes in {:.3f} s ({:.2f} us/insn), {} dispatcher entries, "
                 "{} links, {} flushes\n",
                 process->cpu().icount, s.blocks_compiled, s.guest_insns_compiled, s.host_bytes,
                 s.compile_seconds,
                 s.guest_insns_compiled ? 1e6 * s.compile_seconds / s.guest_insns_compiled : 0.0,
                 s.dispatcher_entries, s.links, s.flushes);
    }
  }
  exit_like_guest(result);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Rewind: deterministic RISC-V record/replay emulator"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "rewind 0.1");

  UserCommand user;
  CLI::App* user_cmd = app.add_subcommand("user", "Run a riscv64 Linux program (user mode)");
  user_cmd->add_option("--tier", user.tier, "Execution tier: interp (reference) or jit (default)")
      ->check(CLI::IsMember({"interp", "jit"}));
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every malformed command line is a usage error (2).
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    if (user_cmd->parsed()) return run_user(user, user_cmd->remaining());
  } catch (const std::exception& e) {
    // Internal limits (e.g. the code cache cannot be mapped): one line, no crash.
    fmt::print(stderr, "rewind: {}\n", e.what());
    return 1;
  }
  return 2;
}
