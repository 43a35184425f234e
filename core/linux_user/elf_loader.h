// Parses riscv64 ELF executables with libelf and maps them into a UserMemory. Parsing works on a
// byte buffer (what a fuzz target feeds) and treats the input as hostile: every offset and size is
// bounds-checked, and failures come back as one line naming the file and the problem.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "linux_user/user_memory.h"

namespace rwd::linux_user {

struct ElfSegment {
  uint64_t vaddr = 0;
  uint64_t memsz = 0;
  uint64_t offset = 0;
  uint64_t filesz = 0;
  int prot = kProtNone;
};

struct ElfImage {
  std::string name;              // for messages and VMA names
  std::vector<uint8_t> bytes;    // the whole file
  bool position_independent = false;  // ET_DYN
  uint64_t entry = 0;            // unbiased
  uint64_t phoff = 0;
  uint16_t phentsize = 0;
  uint16_t phnum = 0;
  std::vector<ElfSegment> loads;       // PT_LOAD, in file order
  std::optional<uint64_t> phdr_vaddr;  // from PT_PHDR or the PT_LOAD covering the headers
  std::optional<std::string> interpreter;  // PT_INTERP
  uint64_t min_vaddr = 0;  // page-aligned span of all PT_LOADs, unbiased
  uint64_t max_vaddr = 0;
};

// Where an image ended up in the guest.
struct LoadedElf {
  uint64_t load_bias = 0;  // add to the image's vaddrs
  uint64_t entry = 0;
  uint64_t phdr = 0;  // guest address of the program headers (AT_PHDR); 0 if not mapped
  uint16_t phent = 0;
  uint16_t phnum = 0;
  uint64_t end = 0;  // end of the highest segment (where brk starts)
};

// Checks that `bytes` is a loadable riscv64 little-endian ELF64 executable or shared object.
std::optional<ElfImage> parse_elf_image(std::vector<uint8_t> bytes, std::string name,
                                        std::string* error);
std::optional<ElfImage> parse_elf_image(std::span<const uint8_t> bytes, std::string name,
                                        std::string* error);
std::optional<ElfImage> read_elf_file(const std::string& path, std::string* error);

// Maps the PT_LOAD segments. ET_EXEC goes at its link addresses; ET_DYN at `preferred_base` if
// that range is free, else at the highest free range below memory.mmap_ceiling().
std::optional<LoadedElf> map_elf_image(UserMemory& memory, const ElfImage& image,
                                       uint64_t preferred_base, std::string* error);

}  // namespace rwd::linux_user
