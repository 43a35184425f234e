// Whole programs under the interpreter tier: glibc start-up, syscalls, signals, exit.
#include <gtest/gtest.h>

#include "exec/interpreter.h"
#include "frontend/translator.h"
#include "linux_user/user_process.h"
#include "test_support.h"

namespace rwd::linux_user {
namespace {

using testing::guest_program;

struct RunResult {
  GuestExit exit;
  std::string out;
  std::string err;
};

RunResult run_program(const std::string& name, std::vector<std::string> argv) {
  UserOptions options;
  options.program = guest_program(name);
  options.argv = std::move(argv);
  options.env = std::vector<std::string>{"REWIND_GREETING=hey"};
  // Rewind's messages on the real stderr stream, so the capture below sees them with the guest's.
  options.diagnostics = stderr;
  options.prefix = LINUX_USER_SYSROOT;
  std::string error;
  auto process = UserProcess::create(options, &error);
  EXPECT_TRUE(process) << error;
  if (!process) return {};
  Translator translator;
  Interpreter engine(translator);
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  RunResult result;
  result.exit = process->run(engine);
  result.out = ::testing::internal::GetCapturedStdout();
  result.err = ::testing::internal::GetCapturedStderr();
  return result;
}

TEST(RunTest, StaticHelloWorld) {
  RunResult r = run_program("hello_static", {"hello", "a b", "c"});
  EXPECT_EQ(r.out, "hello from riscv64: argc=3 [a b] [c] env=hey\n");
  EXPECT_EQ(r.err, "");
  EXPECT_FALSE(r.exit.by_signal);
  EXPECT_EQ(r.exit.code, 3);
}

TEST(RunTest, StaticPieWithoutLibc) {
  RunResult r = run_program("pie_nolibc", {"pie"});
  EXPECT_EQ(r.out, "hello from a static PIE\n");
  EXPECT_EQ(r.exit.code, 3);
}

TEST(RunTest, DynamicHelloWorldLoadsLibcThroughTheInterpreter) {
  RunResult r = run_program("hello_dynamic", {"hello", "x"});
  EXPECT_EQ(r.out, "hello from riscv64: argc=2 [x] env=hey\n");
  EXPECT_EQ(r.err, "");
  EXPECT_EQ(r.exit.code, 3);
}

TEST(RunTest, AbortDiesBySigabrt) {
  RunResult r = run_program("abort_static", {"abort"});
  EXPECT_TRUE(r.exit.by_signal);
  EXPECT_EQ(r.exit.code, 6);
  EXPECT_EQ(r.err, "rewind: uncaught target signal 6 (Aborted)\n");
}

TEST(RunTest, NullStoreDiesBySigsegv) {
  RunResult r = run_program("segv_static", {"segv"});
  EXPECT_TRUE(r.exit.by_signal);
  EXPECT_EQ(r.exit.code, 11);
  EXPECT_EQ(r.err, "rewind: uncaught target signal 11 (Segmentation fault)\n");
}

TEST(RunTest, SyscallAndSignalExerciser) {
  for (const char* name : {"syscalls_static", "syscalls_dynamic"}) {
    RunResult r = run_program(name, {"syscalls", ::testing::TempDir()});
    EXPECT_NE(r.out.find("syscalls: ok"), std::string::npos) << name << ":\n" << r.out << r.err;
    EXPECT_FALSE(r.exit.by_signal) << name;
    EXPECT_EQ(r.exit.code, 0) << name;
  }
}

}  // namespace
}  // namespace rwd::linux_user
