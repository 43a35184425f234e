#include "machine/boot_image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>

namespace rwd::machine {
namespace {

bool fail(std::string* error, const std::string& path, const std::string& problem) {
  if (error) *error = fmt::format("{}: {}", path, problem);
  return false;
}

struct FdCloser {
  int fd;
  ~FdCloser() { close(fd); }
};

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

std::string libelf_problem() {
  const char* msg = elf_errmsg(-1);
  return fmt::format("truncated or malformed ELF ({})", msg ? msg : "unknown libelf error");
}

bool within(uint64_t offset, uint64_t len, uint64_t size) {
  return offset <= size && len <= size - offset;
}

bool add_overflows(uint64_t a, uint64_t b) {
  return a > std::numeric_limits<uint64_t>::max() - b;
}

// Reads the whole file, refusing it before reading if it is larger than `limit`.
bool read_file(const std::string& path, uint64_t limit, std::vector<uint8_t>& out,
               std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(error, path, std::strerror(errno));
  FdCloser closer{fd};
  struct stat st {};
  if (fstat(fd, &st) != 0) return fail(error, path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fail(error, path, "not a regular file");
  const uint64_t size = uint64_t(st.st_size);
  if (size > limit) {
    return fail(error, path,
                fmt::format("{} bytes do not fit in the {} bytes of RAM left for it (-m sets the "
                            "RAM size)",
                            size, limit));
  }
  out.resize(size);
  uint64_t done = 0;
  while (done < size) {
    const ssize_t n = read(fd, out.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(error, path, std::strerror(errno));
    if (n == 0) return fail(error, path, "file shrank while being read");
    done += uint64_t(n);
  }
  return true;
}

bool looks_like_elf(std::span<const uint8_t> bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' &&
         bytes[3] == 'F';
}

// The physical address of virtual address `vaddr`, through the PT_LOAD that maps it.
std::optional<uint64_t> vaddr_to_paddr(Elf* elf, size_t phnum, uint64_t vaddr) {
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf, int(i), &ph) || ph.p_type != PT_LOAD) continue;
    if (vaddr >= ph.p_vaddr && vaddr - ph.p_vaddr < ph.p_memsz) {
      return vaddr - ph.p_vaddr + ph.p_paddr;
    }
  }
  return std::nullopt;
}

// Finds the HTIF mailboxes riscv-tests programs declare. A stripped ELF simply has none.
void find_htif_symbols(Elf* elf, size_t phnum, BootImage& image) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr shdr;
    if (!gelf_getshdr(scn, &shdr) || shdr.sh_type != SHT_SYMTAB || shdr.sh_entsize == 0) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) continue;
    const uint64_t count = shdr.sh_size / shdr.sh_entsize;
    for (uint64_t i = 0; i < count; ++i) {
      GElf_Sym sym;
      if (!gelf_getsym(data, int(i), &sym) || sym.st_shndx == SHN_UNDEF) continue;
      const char* name = elf_strptr(elf, shdr.sh_link, sym.st_name);
      if (!name) continue;
      std::optional<uint64_t>* slot = nullptr;
      if (std::strcmp(name, "tohost") == 0) slot = &image.tohost;
      if (std::strcmp(name, "fromhost") == 0) slot = &image.fromhost;
      if (slot) *slot = vaddr_to_paddr(elf, phnum, sym.st_value);
    }
  }
}

bool parse_elf(BootImage& image, std::string* error) {
  const std::string& path = image.path;
  if (elf_version(EV_CURRENT) == EV_NONE) return fail(error, path, "libelf initialisation failed");
  ElfHandle elf(elf_memory(reinterpret_cast<char*>(image.bytes.data()), image.bytes.size()));
  if (!elf || elf_kind(elf.get()) != ELF_K_ELF) return fail(error, path, libelf_problem());
  size_t ident_size = 0;
  const char* ident = elf_getident(elf.get(), &ident_size);
  if (!ident || ident_size < EI_NIDENT) return fail(error, path, libelf_problem());
  if (ident[EI_CLASS] != ELFCLASS64) {
    return fail(error, path, "not a 64-bit ELF file (the machine is riscv64)");
  }
  if (ident[EI_DATA] != ELFDATA2LSB) return fail(error, path, "not a little-endian ELF file");
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(elf.get(), &ehdr)) return fail(error, path, libelf_problem());
  if (ehdr.e_machine != EM_RISCV) {
    return fail(error, path, fmt::format("not a RISC-V ELF file (e_machine {})", ehdr.e_machine));
  }
  if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
    return fail(error, path, fmt::format("not an executable (e_type {})", ehdr.e_type));
  }
  size_t phnum = 0;
  if (elf_getphdrnum(elf.get(), &phnum) != 0) return fail(error, path, libelf_problem());
  if (!within(ehdr.e_phoff, uint64_t{phnum} * sizeof(Elf64_Phdr), image.bytes.size())) {
    return fail(error, path, "truncated ELF (program headers past end of file)");
  }
  uint64_t low = std::numeric_limits<uint64_t>::max(), high = 0;
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf.get(), int(i), &ph)) return fail(error, path, libelf_problem());
    if (ph.p_type != PT_LOAD || ph.p_memsz == 0) continue;
    if (ph.p_filesz > ph.p_memsz) {
      return fail(error, path, fmt::format("segment {} has p_filesz > p_memsz", i));
    }
    if (!within(ph.p_offset, ph.p_filesz, image.bytes.size())) {
      return fail(error, path, fmt::format("truncated ELF (segment {} past end of file)", i));
    }
    if (add_overflows(ph.p_paddr, ph.p_memsz)) {
      return fail(error, path, fmt::format("segment {} wraps around the address space", i));
    }
    image.pieces.push_back({ph.p_paddr, ph.p_offset, ph.p_filesz, ph.p_memsz});
    low = std::min(low, ph.p_paddr);
    high = std::max(high, ph.p_paddr + ph.p_memsz);
  }
  if (image.pieces.empty()) return fail(error, path, "no loadable segments");
  image.elf = true;
  image.span = {low, high};
  // Kernels and firmware run with translation off, so the entry is taken as physical; map it
  // through the segments in case the ELF was linked at different virtual addresses.
  image.entry = vaddr_to_paddr(elf.get(), phnum, ehdr.e_entry).value_or(ehdr.e_entry);
  find_htif_symbols(elf.get(), phnum, image);
  return true;
}

}  // namespace

bool PhysicalWriter::zero(uint64_t paddr, uint64_t len) {
  static constexpr std::array<uint8_t, 4096> kZeros{};
  while (len > 0) {
    const uint64_t n = std::min<uint64_t>(len, kZeros.size());
    if (!write(paddr, std::span(kZeros.data(), n))) return false;
    paddr += n;
    len -= n;
  }
  return true;
}

std::optional<BootImage> read_raw_image(const std::string& path, uint64_t base, uint64_t max_bytes,
                                        std::string* error) {
  BootImage image;
  image.path = path;
  if (!read_file(path, max_bytes, image.bytes, error)) return std::nullopt;
  const uint64_t size = image.bytes.size();
  if (size == 0) {
    fail(error, path, "empty file");
    return std::nullopt;
  }
  image.pieces.push_back({base, 0, size, size});
  image.span = {base, base + size};
  image.entry = base;
  return image;
}

std::optional<BootImage> read_boot_image(const std::string& path, uint64_t raw_base,
                                         uint64_t max_raw_bytes, std::string* error) {
  // Peek first: an ELF (a vmlinux with debug info) may be far larger than what it loads.
  std::array<uint8_t, 4> magic{};
  {
    const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      fail(error, path, std::strerror(errno));
      return std::nullopt;
    }
    FdCloser closer{fd};
    if (pread(fd, magic.data(), magic.size(), 0) < 0) {
      fail(error, path, std::strerror(errno));
      return std::nullopt;
    }
  }
  if (!looks_like_elf(magic)) return read_raw_image(path, raw_base, max_raw_bytes, error);
  BootImage image;
  image.path = path;
  if (!read_file(path, std::numeric_limits<uint64_t>::max(), image.bytes, error) ||
      !parse_elf(image, error)) {
    return std::nullopt;
  }
  return image;
}

bool write_boot_image(const BootImage& image, PhysicalWriter& memory, std::string* error) {
  for (const BootImage::Piece& p : image.pieces) {
    const auto bytes = std::span(image.bytes).subspan(p.offset, p.filesz);
    if (!memory.write(p.paddr, bytes) || !memory.zero(p.paddr + p.filesz, p.memsz - p.filesz)) {
      return fail(
          error, image.path,
          fmt::format("cannot write {:#x}-{:#x}: not guest memory", p.paddr, p.paddr + p.memsz));
    }
  }
  return true;
}

}  // namespace rwd::machine
