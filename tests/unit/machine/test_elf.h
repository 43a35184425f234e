// Writes small ELF files for the boot loader tests with libelf, so each test states exactly the
// headers, segments and symbols it is about (including ones a compiler would never produce).
#pragma once

#include <elf.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rwd::machine::testing {

struct TestSegment {
  uint64_t vaddr = 0;
  uint64_t paddr = 0;
  std::vector<uint8_t> data;  // p_filesz bytes
  uint64_t memsz = 0;         // 0: same as data.size()
};

struct TestSymbol {
  std::string name;
  uint64_t value = 0;
};

struct TestElf {
  int elf_class = ELFCLASS64;
  int machine = EM_RISCV;
  int type = ET_EXEC;
  uint64_t entry = 0;
  std::vector<TestSegment> segments;
  std::vector<TestSymbol> symbols;  // ELFCLASS64 only
};

// Writes `elf` to `path`; aborts the test run on a libelf failure (a broken test, not a result).
void write_test_elf(const std::string& path, const TestElf& elf);

// A fresh empty directory under the test temp dir, and a file written into it.
std::string make_temp_dir();
std::string write_file(const std::string& dir, const std::string& name,
                       const std::vector<uint8_t>& bytes);

}  // namespace rwd::machine::testing
