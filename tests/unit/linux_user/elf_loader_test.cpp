#include "linux_user/elf_loader.h"

#include <elf.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <random>

#include "test_support.h"

namespace rwd::linux_user {
namespace {

using testing::guest_program;
using testing::read_bytes;

std::string parse_error(std::vector<uint8_t> bytes, const std::string& name = "prog") {
  std::string error;
  EXPECT_FALSE(parse_elf_image(std::move(bytes), name, &error));
  return error;
}

TEST(ElfLoaderTest, ParsesAStaticExecutable) {
  std::string error;
  auto image = read_elf_file(guest_program("hello_static"), &error);
  ASSERT_TRUE(image) << error;
  EXPECT_FALSE(image->position_independent);
  EXPECT_FALSE(image->interpreter);
  EXPECT_FALSE(image->loads.empty());
  EXPECT_GE(image->min_vaddr, kMinMmapAddress);
  EXPECT_TRUE(image->phdr_vaddr);
  EXPECT_EQ(image->phentsize, sizeof(Elf64_Phdr));
}

TEST(ElfLoaderTest, ParsesADynamicExecutable) {
  std::string error;
  auto image = read_elf_file(guest_program("hello_dynamic"), &error);
  ASSERT_TRUE(image) << error;
  EXPECT_TRUE(image->position_independent);
  ASSERT_TRUE(image->interpreter);
  EXPECT_EQ(*image->interpreter, "/lib/ld-linux-riscv64-lp64d.so.1");
}

TEST(ElfLoaderTest, MapsSegmentsWithTheirContentsAndProtections) {
  std::string error;
  auto image = read_elf_file(guest_program("hello_static"), &error);
  ASSERT_TRUE(image) << error;
  auto memory = UserMemory::create(&error);
  ASSERT_TRUE(memory) << error;
  auto loaded = map_elf_image(*memory, *image, 0, &error);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->load_bias, 0u);
  EXPECT_EQ(loaded->entry, image->entry);
  uint16_t half = 0;
  EXPECT_TRUE(memory->fetch16(loaded->entry, &half));
  for (const ElfSegment& seg : image->loads) {
    std::vector<uint8_t> in_guest(seg.filesz);
    ASSERT_TRUE(memory->copy_from_guest(in_guest.data(), seg.vaddr, seg.filesz));
    EXPECT_EQ(0, std::memcmp(in_guest.data(), image->bytes.data() + seg.offset, seg.filesz));
    // bss is zero.
    for (uint64_t a = seg.vaddr + seg.filesz; a < seg.vaddr + seg.memsz; a += 61) {
      uint8_t byte = 1;
      ASSERT_TRUE(memory->copy_from_guest(&byte, a, 1));
      ASSERT_EQ(byte, 0) << std::hex << a;
    }
    const Vma* vma = memory->find_vma(seg.vaddr);
    ASSERT_TRUE(vma);
    EXPECT_EQ(vma->prot & seg.prot, seg.prot);
  }
  // Loading the same ET_EXEC again collides with itself.
  EXPECT_FALSE(map_elf_image(*memory, *image, 0, &error));
  EXPECT_NE(error.find("cannot map segments"), std::string::npos) << error;
}

TEST(ElfLoaderTest, PositionIndependentImagesGoAtThePreferredBaseOrBelowTheCeiling) {
  std::string error;
  auto image = read_elf_file(guest_program("pie_nolibc"), &error);
  ASSERT_TRUE(image) << error;
  auto memory = UserMemory::create(&error);
  ASSERT_TRUE(memory) << error;
  memory->set_mmap_ceiling(0x100000000);
  auto first = map_elf_image(*memory, *image, 0x20000000, &error);
  ASSERT_TRUE(first) << error;
  EXPECT_EQ(first->load_bias, 0x20000000u - image->min_vaddr);
  auto second = map_elf_image(*memory, *image, 0x20000000, &error);
  ASSERT_TRUE(second) << error;
  EXPECT_LT(second->load_bias + image->max_vaddr, 0x100000001u);
  EXPECT_EQ(second->entry, second->load_bias + image->entry);
}

TEST(ElfLoaderTest, ExplainsWhyAFileIsRejected) {
  EXPECT_EQ(parse_error({}), "prog: empty file, not an ELF file");
  const std::string text = "#!/bin/sh\necho hi\n";
  EXPECT_EQ(parse_error(std::vector<uint8_t>(text.begin(), text.end())), "prog: not an ELF file");

  std::vector<uint8_t> host = read_bytes("/proc/self/exe");
  EXPECT_NE(parse_error(host).find("not a RISC-V ELF file"), std::string::npos);

  std::vector<uint8_t> riscv = read_bytes(guest_program("hello_static"));
  ASSERT_GT(riscv.size(), 4096u);
  std::vector<uint8_t> elf32 = riscv;
  elf32[EI_CLASS] = ELFCLASS32;
  EXPECT_NE(parse_error(elf32).find("not a 64-bit ELF"), std::string::npos);
  std::vector<uint8_t> big_endian = riscv;
  big_endian[EI_DATA] = ELFDATA2MSB;
  EXPECT_NE(parse_error(big_endian).find("little-endian"), std::string::npos);

  for (size_t cut : {size_t{10}, size_t{64}, size_t{100}, size_t{2000}, riscv.size() / 2}) {
    std::vector<uint8_t> truncated(riscv.begin(), riscv.begin() + cut);
    const std::string error = parse_error(truncated);
    EXPECT_TRUE(error.find("truncated") != std::string::npos ||
                error.find("not an ELF") != std::string::npos)
        << "cut at " << cut << ": " << error;
    EXPECT_EQ(error.find('\n'), std::string::npos) << "one line";
  }
}

TEST(ElfLoaderTest, ReportsFilesThatCannotBeRead) {
  std::string error;
  EXPECT_FALSE(read_elf_file("/nonexistent/program", &error));
  EXPECT_EQ(error, "/nonexistent/program: No such file or directory");
  EXPECT_FALSE(read_elf_file("/tmp", &error));
  EXPECT_EQ(error, "/tmp: not a regular file");
}

// Fuzz-style smoke test: corrupting bytes of a real binary must produce errors, not crashes.
TEST(ElfLoaderTest, SurvivesCorruptedImages) {
  const std::vector<uint8_t> original = read_bytes(guest_program("pie_nolibc"));
  ASSERT_FALSE(original.empty());
  std::mt19937_64 rng(12345);
  std::string error;
  auto memory = UserMemory::create(&error);
  ASSERT_TRUE(memory) << error;
  int parsed = 0;
  for (int round = 0; round < 300; ++round) {
    std::vector<uint8_t> bytes = original;
    // Concentrate on the headers, where the loader's decisions come from.
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int i = 0; i < flips; ++i) {
      const size_t at = rng() % std::min<size_t>(bytes.size(), 64 + 56 * 12);
      bytes[at] = static_cast<uint8_t>(rng());
    }
    auto image = parse_elf_image(std::span<const uint8_t>(bytes), "fuzz", &error);
    if (!image) {
      EXPECT_EQ(error.rfind("fuzz: ", 0), 0u) << error;
      continue;
    }
    ++parsed;
    auto loaded = map_elf_image(*memory, *image, 0, &error);
    if (loaded) {
      for (const auto& [start, vma] : std::map<uint64_t, Vma>(memory->vmas())) {
        memory->unmap(vma.start, vma.end - vma.start);
      }
    }
  }
  EXPECT_GT(parsed, 0);
}

}  // namespace
}  // namespace rwd::linux_user
