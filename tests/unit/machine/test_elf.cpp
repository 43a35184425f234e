#include "test_elf.h"

#include <fcntl.h>
#include <gelf.h>
#include <gtest/gtest.h>
#include <libelf.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace rwd::machine::testing {
namespace {

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "test ELF writer: %s: %s\n", what, elf_errmsg(-1));
  std::abort();
}

// A section holding `bytes`; returns its index.
size_t add_section(Elf* e, uint32_t name, uint32_t type, uint64_t flags, uint64_t addr, void* bytes,
                   size_t size, Elf_Type data_type, uint64_t entsize) {
  Elf_Scn* scn = elf_newscn(e);
  Elf_Data* d = scn ? elf_newdata(scn) : nullptr;
  if (!d) die("elf_newscn");
  d->d_buf = bytes;
  d->d_size = size;
  d->d_type = data_type;
  d->d_align = 8;
  d->d_version = EV_CURRENT;
  GElf_Shdr sh;
  if (!gelf_getshdr(scn, &sh)) die("gelf_getshdr");
  sh.sh_name = name;
  sh.sh_type = type;
  sh.sh_flags = flags;
  sh.sh_addr = addr;
  sh.sh_entsize = entsize;
  sh.sh_addralign = 8;
  if (!gelf_update_shdr(scn, &sh)) die("gelf_update_shdr");
  return elf_ndxscn(scn);
}

}  // namespace

void write_test_elf(const std::string& path, const TestElf& spec) {
  if (elf_version(EV_CURRENT) == EV_NONE) die("elf_version");
  const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die("open");
  Elf* e = elf_begin(fd, ELF_C_WRITE, nullptr);
  if (!e || !gelf_newehdr(e, spec.elf_class)) die("elf_begin");

  // Section names: "\0.s0\0.s1\0...\0.symtab\0.strtab\0.shstrtab\0".
  std::string shstr(1, '\0');
  auto name = [&](const std::string& n) {
    const uint32_t at = uint32_t(shstr.size());
    shstr += n;
    shstr.push_back('\0');
    return at;
  };
  // Copies that live until elf_end: libelf keeps pointers to section data.
  std::vector<std::vector<uint8_t>> contents;
  contents.reserve(spec.segments.size());
  std::vector<size_t> segment_sections;
  for (size_t i = 0; i < spec.segments.size(); ++i) {
    const TestSegment& s = spec.segments[i];
    contents.push_back(s.data);
    const bool nobits = s.data.empty();
    segment_sections.push_back(
        add_section(e, name(".s" + std::to_string(i)), nobits ? SHT_NOBITS : SHT_PROGBITS,
                    SHF_ALLOC | SHF_WRITE | SHF_EXECINSTR, s.vaddr, contents.back().data(),
                    nobits ? (s.memsz ? s.memsz : 0) : contents.back().size(), ELF_T_BYTE, 0));
  }
  std::string strtab(1, '\0');
  std::vector<Elf64_Sym> syms(1);  // index 0 is the null symbol
  if (!spec.symbols.empty()) {
    if (spec.elf_class != ELFCLASS64 || segment_sections.empty()) die("symbols need ELFCLASS64");
    for (const TestSymbol& s : spec.symbols) {
      Elf64_Sym sym{};
      sym.st_name = uint32_t(strtab.size());
      strtab += s.name;
      strtab.push_back('\0');
      sym.st_value = s.value;
      sym.st_size = 8;
      sym.st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
      sym.st_shndx = uint16_t(segment_sections[0]);
      syms.push_back(sym);
    }
    const uint32_t symtab_name = name(".symtab");
    const uint32_t strtab_name = name(".strtab");
    const size_t symtab =
        add_section(e, symtab_name, SHT_SYMTAB, 0, 0, syms.data(), syms.size() * sizeof(Elf64_Sym),
                    ELF_T_SYM, sizeof(Elf64_Sym));
    const size_t str =
        add_section(e, strtab_name, SHT_STRTAB, 0, 0, strtab.data(), strtab.size(), ELF_T_BYTE, 0);
    GElf_Shdr sh;
    Elf_Scn* scn = elf_getscn(e, symtab);
    gelf_getshdr(scn, &sh);
    sh.sh_link = uint32_t(str);
    sh.sh_info = 1;
    gelf_update_shdr(scn, &sh);
  }
  const uint32_t shstrtab_name = name(".shstrtab");
  const size_t shstrtab =
      add_section(e, shstrtab_name, SHT_STRTAB, 0, 0, shstr.data(), shstr.size(), ELF_T_BYTE, 0);

  GElf_Ehdr eh;
  if (!gelf_getehdr(e, &eh)) die("gelf_getehdr");
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_machine = uint16_t(spec.machine);
  eh.e_type = uint16_t(spec.type);
  eh.e_version = EV_CURRENT;
  eh.e_entry = spec.entry;
  eh.e_shstrndx = uint16_t(shstrtab);
  if (!gelf_update_ehdr(e, &eh)) die("gelf_update_ehdr");
  if (!spec.segments.empty() && !gelf_newphdr(e, spec.segments.size())) die("gelf_newphdr");
  // Lay the file out first, so each segment can point at its section's offset.
  if (elf_update(e, ELF_C_NULL) < 0) die("elf_update(NULL)");
  for (size_t i = 0; i < spec.segments.size(); ++i) {
    const TestSegment& s = spec.segments[i];
    GElf_Shdr sh;
    gelf_getshdr(elf_getscn(e, segment_sections[i]), &sh);
    GElf_Phdr ph{};
    ph.p_type = PT_LOAD;
    ph.p_flags = PF_R | PF_W | PF_X;
    ph.p_offset = sh.sh_offset;
    ph.p_vaddr = s.vaddr;
    ph.p_paddr = s.paddr;
    ph.p_filesz = s.data.size();
    ph.p_memsz = s.memsz ? s.memsz : s.data.size();
    ph.p_align = 8;
    if (!gelf_update_phdr(e, int(i), &ph)) die("gelf_update_phdr");
  }
  if (elf_update(e, ELF_C_WRITE) < 0) die("elf_update(WRITE)");
  elf_end(e);
  close(fd);
}

std::string make_temp_dir() {
  std::string pattern = ::testing::TempDir() + "rewind-boot-XXXXXX";
  if (!mkdtemp(pattern.data())) die("mkdtemp");
  return pattern;
}

std::string write_file(const std::string& dir, const std::string& name,
                       const std::vector<uint8_t>& bytes) {
  const std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  return path;
}

}  // namespace rwd::machine::testing
