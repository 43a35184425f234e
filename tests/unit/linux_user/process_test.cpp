// Process creation: program + interpreter loading, initial stack and auxv, error reporting.
#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "linux_user/deterministic_random.h"
#include "linux_user/user_memory.h"
#include "linux_user/user_process.h"
#include "test_support.h"

namespace rwd::linux_user {
namespace {

using testing::guest_program;

struct StackView {
  uint64_t argc = 0;
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::map<uint64_t, uint64_t> auxv;
};

uint64_t read_u64(UserMemory& memory, uint64_t addr) {
  uint64_t v = 0;
  EXPECT_TRUE(memory.copy_from_guest(&v, addr, 8)) << std::hex << addr;
  return v;
}

StackView read_stack(UserProcess& process) {
  UserMemory& memory = process.user_memory();
  StackView view;
  uint64_t cursor = process.cpu().x[2];
  view.argc = read_u64(memory, cursor);
  cursor += 8;
  for (uint64_t i = 0; i < view.argc; ++i, cursor += 8) {
    view.argv.push_back(memory.read_string(read_u64(memory, cursor), 4096).value_or("?"));
  }
  EXPECT_EQ(read_u64(memory, cursor), 0u);
  cursor += 8;
  for (uint64_t p; (p = read_u64(memory, cursor)) != 0; cursor += 8) {
    view.envp.push_back(memory.read_string(p, 1 << 20).value_or("?"));
  }
  cursor += 8;
  for (uint64_t type; (type = read_u64(memory, cursor)) != AT_NULL; cursor += 16) {
    view.auxv[type] = read_u64(memory, cursor + 8);
  }
  return view;
}

std::unique_ptr<UserProcess> create(const std::string& program, std::vector<std::string> argv,
                                    uint64_t seed = 0, std::string* error_out = nullptr) {
  UserOptions options;
  options.program = program;
  options.argv = std::move(argv);
  options.env = std::vector<std::string>{"A=1", "REWIND_GREETING=hi"};
  options.prefix = LINUX_USER_SYSROOT;
  options.random_seed = seed;
  std::string error;
  auto process = UserProcess::create(options, &error);
  if (error_out) *error_out = error;
  EXPECT_TRUE(process || error_out) << error;
  return process;
}

TEST(ProcessTest, StaticProgramStartsAtItsEntryWithALinuxStack) {
  const std::string path = guest_program("hello_static");
  auto process = create(path, {"hello", "one", "two"});
  ASSERT_TRUE(process);
  CpuState& cpu = process->cpu();
  EXPECT_EQ(cpu.x[2] % 16, 0u);
  EXPECT_EQ(cpu.memory, &process->memory());
  EXPECT_EQ(cpu.icount_limit, UINT64_MAX);
  EXPECT_EQ(cpu.reservation_addr, kNoReservation);

  StackView stack = read_stack(*process);
  EXPECT_EQ(stack.argc, 3u);
  EXPECT_EQ(stack.argv, (std::vector<std::string>{"hello", "one", "two"}));
  EXPECT_EQ(stack.envp, (std::vector<std::string>{"A=1", "REWIND_GREETING=hi"}));
  EXPECT_EQ(stack.auxv[AT_ENTRY], cpu.pc);
  EXPECT_EQ(stack.auxv[AT_BASE], 0u);
  EXPECT_EQ(stack.auxv[AT_PAGESZ], 4096u);
  EXPECT_EQ(stack.auxv[AT_PHENT], sizeof(Elf64_Phdr));
  EXPECT_GT(stack.auxv[AT_PHNUM], 0u);
  EXPECT_EQ(stack.auxv[AT_SECURE], 0u);
  EXPECT_EQ(stack.auxv[AT_UID], ::getuid());
  EXPECT_EQ(stack.auxv[AT_HWCAP], (1u << ('I' - 'A')) | (1u << ('M' - 'A')) |
                                      (1u << ('A' - 'A')) | (1u << ('F' - 'A')) |
                                      (1u << ('D' - 'A')) | (1u << ('C' - 'A')));
  EXPECT_GT(stack.auxv[AT_CLKTCK], 0u);
  UserMemory& memory = process->user_memory();
  EXPECT_EQ(memory.read_string(stack.auxv[AT_EXECFN], 4096), path);
  EXPECT_EQ(memory.read_string(stack.auxv[AT_PLATFORM], 4096), "riscv64");
  // AT_PHDR points at the program headers: the first one is readable there.
  Elf64_Phdr first;
  ASSERT_TRUE(memory.copy_from_guest(&first, stack.auxv[AT_PHDR], sizeof first));
  EXPECT_NE(first.p_type, PT_NULL);

  // AT_RANDOM comes from the seeded generator.
  uint8_t random[16];
  ASSERT_TRUE(memory.copy_from_guest(random, stack.auxv[AT_RANDOM], 16));
  std::array<uint8_t, 16> expected;
  DeterministicRandom(0).fill(expected);
  EXPECT_EQ(0, std::memcmp(random, expected.data(), 16));

  uint16_t half;
  EXPECT_TRUE(memory.fetch16(cpu.pc, &half));
  EXPECT_EQ(memory.find_vma(cpu.x[2])->name, "[stack]");
}

TEST(ProcessTest, DynamicProgramStartsInTheInterpreter) {
  auto process = create(guest_program("hello_dynamic"), {"hello"});
  ASSERT_TRUE(process);
  StackView stack = read_stack(*process);
  const uint64_t interpreter_base = stack.auxv[AT_BASE];
  EXPECT_NE(interpreter_base, 0u);
  const Vma* interpreter = process->user_memory().find_vma(interpreter_base);
  ASSERT_TRUE(interpreter);
  EXPECT_NE(interpreter->name.find("ld-linux-riscv64-lp64d.so.1"), std::string::npos);
  const Vma* code = process->user_memory().find_vma(process->cpu().pc);
  ASSERT_TRUE(code);
  EXPECT_EQ(code->name, interpreter->name);
  EXPECT_NE(stack.auxv[AT_ENTRY], process->cpu().pc);
  EXPECT_TRUE(process->user_memory().find_vma(stack.auxv[AT_ENTRY]));
}

TEST(ProcessTest, RandomBytesFollowTheSeed) {
  auto random_of = [](uint64_t seed) {
    auto process = create(guest_program("hello_static"), {"x"}, seed);
    StackView stack = read_stack(*process);
    std::array<uint8_t, 16> bytes{};
    process->user_memory().copy_from_guest(bytes.data(), stack.auxv[AT_RANDOM], 16);
    return bytes;
  };
  EXPECT_EQ(random_of(1), random_of(1));
  EXPECT_NE(random_of(1), random_of(2));
}

TEST(ProcessTest, MissingInterpreterIsReported) {
  std::vector<uint8_t> bytes = testing::read_bytes(guest_program("hello_dynamic"));
  const std::string real = "/lib/ld-linux-riscv64-lp64d.so.1";
  const std::string fake = "/lib/ld-nosuch-riscv64-lp64.so.1";
  ASSERT_EQ(real.size(), fake.size());
  auto at = std::search(bytes.begin(), bytes.end(), real.begin(), real.end());
  ASSERT_NE(at, bytes.end());
  std::copy(fake.begin(), fake.end(), at);
  const std::string path = ::testing::TempDir() + "/rewind_missing_interp";
  testing::write_bytes(path, bytes);
  std::string error;
  EXPECT_FALSE(create(path, {"x"}, 0, &error));
  EXPECT_NE(error.find(path + ": ELF interpreter " + fake + " not found"), std::string::npos)
      << error;
}

TEST(ProcessTest, UnloadableProgramsAreReported) {
  std::string error;
  EXPECT_FALSE(create("/nonexistent/prog", {"x"}, 0, &error));
  EXPECT_EQ(error, "/nonexistent/prog: No such file or directory");
  const std::string empty = ::testing::TempDir() + "/rewind_empty_program";
  testing::write_bytes(empty, {});
  EXPECT_FALSE(create(empty, {"x"}, 0, &error));
  EXPECT_EQ(error, empty + ": empty file, not an ELF file");
  EXPECT_FALSE(create("/proc/self/exe", {"x"}, 0, &error));
  EXPECT_NE(error.find("not a RISC-V ELF file"), std::string::npos) << error;
}

}  // namespace
}  // namespace rwd::linux_user
