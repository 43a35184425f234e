#include "linux_user/elf_loader.h"

#include <gelf.h>
#include <libelf.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include <fmt/format.h>

namespace rwd::linux_user {
namespace {

constexpr uint64_t kMaxInterpreterPathBytes = 4096;

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

bool fail(std::string* error, const std::string& name, const std::string& problem) {
  if (error) *error = fmt::format("{}: {}", name, problem);
  return false;
}

std::string libelf_problem() {
  const char* msg = elf_errmsg(-1);
  return fmt::format("truncated or malformed ELF ({})", msg ? msg : "unknown libelf error");
}

int prot_from_flags(uint64_t p_flags) {
  int prot = kProtNone;
  if (p_flags & PF_R) prot |= kProtRead;
  if (p_flags & PF_W) prot |= kProtWrite;
  if (p_flags & PF_X) prot |= kProtExec;
  return prot;
}

bool within_file(uint64_t offset, uint64_t len, uint64_t file_size) {
  return offset <= file_size && len <= file_size - offset;
}

// Fills in the parts of `image` that come from the ELF and program headers.
bool parse_headers(Elf* elf, ElfImage& image, std::string* error) {
  const std::string& name = image.name;
  const uint64_t file_size = image.bytes.size();
  if (elf_kind(elf) != ELF_K_ELF) return fail(error, name, "not an ELF file");
  size_t ident_size = 0;
  const char* ident = elf_getident(elf, &ident_size);
  if (!ident || ident_size < EI_NIDENT) return fail(error, name, libelf_problem());
  if (ident[EI_CLASS] != ELFCLASS64) {
    return fail(error, name, "not a 64-bit ELF file (riscv64 needs ELFCLASS64)");
  }
  if (ident[EI_DATA] != ELFDATA2LSB) {
    return fail(error, name, "not a little-endian ELF file (riscv64 is little-endian)");
  }
  GElf_Ehdr ehdr;
  if (!gelf_getehdr(elf, &ehdr)) return fail(error, name, libelf_problem());
  if (ehdr.e_machine != EM_RISCV) {
    return fail(error, name, fmt::format("not a RISC-V ELF file (e_machine {})", ehdr.e_machine));
  }
  if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
    return fail(error, name, fmt::format("not an executable (e_type {})", ehdr.e_type));
  }
  image.position_independent = ehdr.e_type == ET_DYN;
  image.entry = ehdr.e_entry;
  image.phoff = ehdr.e_phoff;
  image.phentsize = ehdr.e_phentsize;

  if (ehdr.e_phnum != PN_XNUM &&
      !within_file(ehdr.e_phoff, uint64_t{ehdr.e_phnum} * ehdr.e_phentsize, file_size)) {
    return fail(error, name, "truncated ELF (program headers past end of file)");
  }
  size_t phnum = 0;
  if (elf_getphdrnum(elf, &phnum) != 0) return fail(error, name, libelf_problem());
  if (phnum == 0) return fail(error, name, "no program headers");
  if (phnum > 0xffff || ehdr.e_phentsize != sizeof(Elf64_Phdr)) {
    return fail(error, name, "malformed program header table");
  }
  image.phnum = static_cast<uint16_t>(phnum);
  if (!within_file(ehdr.e_phoff, phnum * sizeof(Elf64_Phdr), file_size)) {
    return fail(error, name, "truncated ELF (program headers past end of file)");
  }

  uint64_t lowest = UINT64_MAX;
  uint64_t highest = 0;
  for (size_t i = 0; i < phnum; ++i) {
    GElf_Phdr phdr;
    if (!gelf_getphdr(elf, static_cast<int>(i), &phdr)) return fail(error, name, libelf_problem());
    if (phdr.p_type == PT_PHDR) {
      image.phdr_vaddr = phdr.p_vaddr;
    } else if (phdr.p_type == PT_INTERP) {
      if (image.interpreter) return fail(error, name, "more than one PT_INTERP");
      if (phdr.p_filesz < 2 || phdr.p_filesz > kMaxInterpreterPathBytes ||
          !within_file(phdr.p_offset, phdr.p_filesz, file_size)) {
        return fail(error, name, "malformed PT_INTERP");
      }
      const char* text = reinterpret_cast<const char*>(image.bytes.data() + phdr.p_offset);
      const size_t length = strnlen(text, phdr.p_filesz);
      if (length == 0 || length == phdr.p_filesz) {
        return fail(error, name, "PT_INTERP is not a NUL-terminated path");
      }
      image.interpreter = std::string(text, length);
    } else if (phdr.p_type == PT_LOAD) {
      if (phdr.p_memsz == 0) continue;
      if (phdr.p_filesz > phdr.p_memsz) {
        return fail(error, name, fmt::format("segment {} has p_filesz > p_memsz", i));
      }
      if (!within_file(phdr.p_offset, phdr.p_filesz, file_size)) {
        return fail(error, name, fmt::format("truncated ELF (segment {} past end of file)", i));
      }
      if (!fits_in_space(phdr.p_vaddr, phdr.p_memsz) ||
          !fits_in_space(phdr.p_vaddr, page_up(phdr.p_vaddr + phdr.p_memsz) - phdr.p_vaddr)) {
        return fail(error, name, fmt::format("segment {} lies outside the guest address space", i));
      }
      image.loads.push_back(ElfSegment{phdr.p_vaddr, phdr.p_memsz, phdr.p_offset, phdr.p_filesz,
                                       prot_from_flags(phdr.p_flags)});
      lowest = std::min(lowest, page_down(phdr.p_vaddr));
      highest = std::max(highest, page_up(phdr.p_vaddr + phdr.p_memsz));
    }
  }
  if (image.loads.empty()) return fail(error, name, "no loadable segments");
  image.min_vaddr = lowest;
  image.max_vaddr = highest;
  if (!image.phdr_vaddr) {
    const uint64_t table_bytes = uint64_t{image.phnum} * sizeof(Elf64_Phdr);
    for (const ElfSegment& seg : image.loads) {
      if (image.phoff >= seg.offset && image.phoff - seg.offset <= seg.filesz &&
          table_bytes <= seg.filesz - (image.phoff - seg.offset)) {
        image.phdr_vaddr = seg.vaddr + (image.phoff - seg.offset);
        break;
      }
    }
  }
  return true;
}

}  // namespace

std::optional<ElfImage> parse_elf_image(std::vector<uint8_t> bytes, std::string name,
                                        std::string* error) {
  ElfImage image;
  image.name = std::move(name);
  image.bytes = std::move(bytes);
  if (image.bytes.empty()) {
    fail(error, image.name, "empty file, not an ELF file");
    return std::nullopt;
  }
  elf_version(EV_CURRENT);
  // libelf wants a mutable buffer; it reads our private copy in place.
  ElfHandle elf(elf_memory(reinterpret_cast<char*>(image.bytes.data()), image.bytes.size()));
  if (!elf) {
    fail(error, image.name, libelf_problem());
    return std::nullopt;
  }
  if (!parse_headers(elf.get(), image, error)) return std::nullopt;
  return image;
}

std::optional<ElfImage> parse_elf_image(std::span<const uint8_t> bytes, std::string name,
                                        std::string* error) {
  return parse_elf_image(std::vector<uint8_t>(bytes.begin(), bytes.end()), std::move(name),
                         error);
}

std::optional<ElfImage> read_elf_file(const std::string& path, std::string* error) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    fail(error, path, std::strerror(errno));
    return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    fail(error, path, "not a regular file");
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    fail(error, path, std::strerror(errno));
    return std::nullopt;
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<size_t>(in.gcount()) != bytes.size()) {
    fail(error, path, "read error");
    return std::nullopt;
  }
  return parse_elf_image(std::move(bytes), path, error);
}

std::optional<LoadedElf> map_elf_image(UserMemory& memory, const ElfImage& image,
                                       uint64_t preferred_base, std::string* error) {
  const uint64_t span = image.max_vaddr - image.min_vaddr;
  uint64_t bias = 0;
  if (image.position_independent) {
    uint64_t base = 0;
    if (preferred_base != 0 && memory.is_free(preferred_base, span)) {
      base = preferred_base;
    } else if (auto found = memory.find_free_range(span, memory.mmap_ceiling())) {
      base = *found;
    } else {
      fail(error, image.name, "no room in the guest address space");
      return std::nullopt;
    }
    bias = base - image.min_vaddr;
  } else if (image.min_vaddr < kMinMmapAddress || !memory.is_free(image.min_vaddr, span)) {
    fail(error, image.name,
         fmt::format("cannot map segments at {:#x}-{:#x}", image.min_vaddr, image.max_vaddr));
    return std::nullopt;
  }

  // Map every segment writable, fill it, then apply the final protections. Segments may share
  // a page (text end / data start), so all mapping happens before any copying.
  for (const ElfSegment& seg : image.loads) {
    const uint64_t start = page_down(bias + seg.vaddr);
    const uint64_t end = page_up(bias + seg.vaddr + seg.memsz);
    const int64_t r = memory.map(start, end - start, kProtRead | kProtWrite,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, image.name);
    if (r < 0) {
      fail(error, image.name, fmt::format("cannot map segment: {}", std::strerror(int(-r))));
      return std::nullopt;
    }
  }
  for (const ElfSegment& seg : image.loads) {
    if (seg.filesz == 0) continue;
    uint8_t* host = memory.host_pointer(bias + seg.vaddr, seg.filesz);
    std::memcpy(host, image.bytes.data() + seg.offset, seg.filesz);
  }
  auto prot_of_page = [&](uint64_t page) {
    int prot = kProtNone;
    for (const ElfSegment& seg : image.loads) {
      if (page_down(bias + seg.vaddr) <= page && page < page_up(bias + seg.vaddr + seg.memsz)) {
        prot |= seg.prot;
      }
    }
    return prot;
  };
  for (const ElfSegment& seg : image.loads) {
    const uint64_t start = page_down(bias + seg.vaddr);
    const uint64_t end = page_up(bias + seg.vaddr + seg.memsz);
    memory.protect(start, end - start, seg.prot);
  }
  // Pages shared by two segments get the union of their permissions.
  for (const ElfSegment& seg : image.loads) {
    for (uint64_t page : {page_down(bias + seg.vaddr),
                          page_up(bias + seg.vaddr + seg.memsz) - kGuestPageSize}) {
      memory.protect(page, kGuestPageSize, prot_of_page(page));
    }
  }

  LoadedElf loaded;
  loaded.load_bias = bias;
  loaded.entry = bias + image.entry;
  loaded.phdr = image.phdr_vaddr ? bias + *image.phdr_vaddr : 0;
  loaded.phent = sizeof(Elf64_Phdr);
  loaded.phnum = image.phnum;
  for (const ElfSegment& seg : image.loads) {
    loaded.end = std::max(loaded.end, bias + seg.vaddr + seg.memsz);
  }
  return loaded;
}

}  // namespace rwd::linux_user
