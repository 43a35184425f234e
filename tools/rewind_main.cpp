// The `rewind` command line. Subcommands arrive with their issues; today: `rewind user`.
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
#include "linux_user/user_process.h"
#include "run/run_command.h"
#include "trace/trace_command.h"

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

// QEMU spells long options with one dash (-kernel, -nographic); CLI11 wants two. Rewrites the
// arguments after `run` that name one of them, leaving option values alone.
std::vector<std::string> qemu_style_arguments(int argc, char** argv) {
  static const std::vector<std::string> kTakesValue = {"bios", "kernel", "initrd", "append", "smp",
                                                       "drive", "device", "machine", "m", "M"};
  static const std::vector<std::string> kFlags = {"nographic"};
  auto known = [](const std::vector<std::string>& names, const std::string& n) {
    return std::find(names.begin(), names.end(), n) != names.end();
  };
  std::vector<std::string> out(argv, argv + argc);
  bool in_run = false;
  for (size_t i = 1; i < out.size(); ++i) {
    std::string& a = out[i];
    if (!in_run) {
      in_run = a == "run";
      continue;
    }
    if (a.size() < 2 || a[0] != '-' || a[1] == '-') continue;
    const std::string name = a.substr(1);
    if (known(kTakesValue, name)) {
      if (name.size() > 1) a = "--" + name;
      ++i;  // the value, whatever it looks like
    } else if (known(kFlags, name)) {
      a = "--" + name;
    }
  }
  return out;
}

int run_system(rwd::run::RunOptions opts, const std::string& machine_name,
               const std::string& memory, const std::string& smp,
               const std::vector<std::string>& drives, const std::vector<std::string>& devices) {
  using namespace rwd;
  std::string error;
  if (!machine_name.empty() && machine_name != "virt") {
    fmt::print(stderr, "rewind: -M {}: only the virt machine is supported\n", machine_name);
    return 1;
  }
  auto fail = [&] {
    fmt::print(stderr, "rewind: {}\n", error);
    return 1;
  };
  if (!memory.empty()) {
    const auto bytes = machine::parse_memory_size(memory, &error);
    if (!bytes) return fail();
    opts.config.ram_bytes = *bytes;
  }
  if (!smp.empty()) {
    const auto harts = machine::parse_smp(smp, &error);
    if (!harts) return fail();
    opts.config.harts = *harts;
  }
  for (const std::string& d : drives) {
    auto drive = machine::parse_drive_spec(d, &error);
    if (!drive) return fail();
    opts.config.drives.push_back(std::move(*drive));
  }
  for (const std::string& d : devices) {
    auto device = machine::parse_device_spec(d, &error);
    if (!device) return fail();
    opts.config.devices.push_back(std::move(*device));
  }
  return run::run_machine(opts);
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

  rwd::run::RunOptions run;
  std::string run_machine_name, run_memory, run_smp;
  std::vector<std::string> run_drives, run_devices;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Boot the riscv64 virt machine (QEMU's options: -bios -kernel -initrd -append -m ...)");
  run_cmd->add_option("-M,--machine", run_machine_name, "Machine type (only virt)");
  run_cmd->add_option("-m", run_memory, "RAM size, e.g. 256M or 1G (default 128M)");
  run_cmd->add_option("--smp", run_smp, "Number of harts (1)");
  run_cmd->add_option("--bios", run.config.bios,
                      "Firmware image, or none (default: Debian's OpenSBI fw_dynamic.bin)");
  run_cmd->add_option("--kernel", run.config.kernel, "Kernel: raw image or ELF");
  run_cmd->add_option("--initrd", run.config.initrd, "Initial ramdisk");
  run_cmd->add_option("--append", run.config.append, "Kernel command line");
  run_cmd->add_option("--drive", run_drives, "Disk: file=F,format=raw[,if=virtio|none][,id=ID]")
      ->take_all();
  run_cmd->add_option("--device", run_devices, "virtio-blk-device,drive=ID or virtio-rng-device")
      ->take_all();
  run_cmd->add_flag("--nographic", run.config.nographic,
                    "Serial console on stdio (always the case; Ctrl-A X quits, Ctrl-A H helps)");
  run_cmd->add_option("--tier", run.tier, "Execution tier: interp (reference) or jit (default)")
      ->check(CLI::IsMember({"interp", "jit"}));
  run_cmd->add_option("--code-cache-mib", run.code_cache_mib, "JIT code cache size in MiB")
      ->check(CLI::Range(1, 4096));
  run_cmd->add_flag("--stats", run.stats, "Print how the run ended and execution counts");

  std::vector<std::string> args = qemu_style_arguments(argc, argv);
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
    if (run_cmd->parsed()) {
      return run_system(run, run_machine_name, run_memory, run_smp, run_drives, run_devices);
    }
  } catch (const std::exception& e) {
    // Internal limits (e.g. the code cache cannot be mapped): one line, no crash.
    fmt::print(stderr, "rewind: {}\n", e.what());
    return 1;
  }
  return 2;
}
