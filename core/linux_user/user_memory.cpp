#include "linux_user/user_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "linux_user/guest_fault.h"

namespace rwd::linux_user {
namespace {

// Never mapped: a kernel that reads a bit past the end of a guest buffer near the top of the
// space (a path string, a struct) hits this instead of unrelated host memory.
constexpr uint64_t kTrailingGuardBytes = uint64_t{1} << 20;

constexpr int kReserveFlags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;

}  // namespace

int host_prot_for(int guest_prot) {
  int prot = PROT_NONE;
  if (guest_prot & (kProtRead | kProtExec)) prot |= PROT_READ;
  if (guest_prot & kProtWrite) prot |= PROT_WRITE | PROT_READ;
  return prot;
}

std::unique_ptr<UserMemory> UserMemory::create(std::string* error) {
  const uint64_t bytes = kGuestSpaceSize + kTrailingGuardBytes;
  void* base = ::mmap(nullptr, bytes, PROT_NONE, kReserveFlags, -1, 0);
  if (base == MAP_FAILED) {
    if (error) {
      *error = fmt::format("cannot reserve {} GiB of host address space for the guest: {}",
                           kGuestSpaceSize >> 30, std::strerror(errno));
    }
    return nullptr;
  }
  install_guest_fault_handler();
  return std::unique_ptr<UserMemory>(new UserMemory(static_cast<uint8_t*>(base), bytes));
}

UserMemory::UserMemory(uint8_t* base, uint64_t reserved_bytes)
    : base_(base), reserved_bytes_(reserved_bytes) {}

UserMemory::~UserMemory() { ::munmap(base_, reserved_bytes_); }

// --- GuestMemory ---

void UserMemory::raise_access_fault(CpuState& cpu, uint64_t vaddr, bool is_store) const {
  raise_exception(cpu, is_store ? Cause::kStorePageFault : Cause::kLoadPageFault, vaddr);
}

uint64_t UserMemory::load(CpuState& cpu, uint64_t vaddr, MemOp op) {
  const unsigned size = mem_op_bytes(op);
  if ((op & kMemAligned) && (vaddr & (size - 1))) {
    raise_exception(cpu, Cause::kLoadMisaligned, vaddr);
  }
  if (!fits_in_space(vaddr, size)) raise_access_fault(cpu, vaddr, false);
  const uint8_t* host = base_ + vaddr;
  uint64_t value = 0;
  begin_guest_access(cpu, base_, kGuestSpaceSize, GuestAccessKind::kLoad);
  switch (size) {
    case 1: value = *host; break;
    case 2: { uint16_t v; std::memcpy(&v, host, 2); value = v; break; }
    case 4: { uint32_t v; std::memcpy(&v, host, 4); value = v; break; }
    default: std::memcpy(&value, host, 8); break;
  }
  end_guest_access();
  if ((op & kMemSigned) && size < 8) {
    const unsigned shift = 64 - 8 * size;
    value = static_cast<uint64_t>(static_cast<int64_t>(value << shift) >> shift);
  }
  return value;
}

void UserMemory::store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) {
  const unsigned size = mem_op_bytes(op);
  if ((op & kMemAligned) && (vaddr & (size - 1))) {
    raise_exception(cpu, Cause::kStoreMisaligned, vaddr);
  }
  if (!fits_in_space(vaddr, size)) raise_access_fault(cpu, vaddr, true);
  uint8_t* host = base_ + vaddr;
  begin_guest_access(cpu, base_, kGuestSpaceSize, GuestAccessKind::kStore);
  switch (size) {
    case 1: *host = static_cast<uint8_t>(value); break;
    case 2: { uint16_t v = static_cast<uint16_t>(value); std::memcpy(host, &v, 2); break; }
    case 4: { uint32_t v = static_cast<uint32_t>(value); std::memcpy(host, &v, 4); break; }
    default: std::memcpy(host, &value, 8); break;
  }
  end_guest_access();
}

// The trailing guard counts as guest memory here: an inline access that starts just below the
// end of the space and straddles into the guard must fault as the guest's.
void UserMemory::enter_inline_access(CpuState& cpu) {
  begin_inline_guest_access(cpu, base_, reserved_bytes_);
}

void UserMemory::leave_inline_access() { end_inline_guest_access(); }

bool UserMemory::fetch16(uint64_t vaddr, uint16_t* out) {
  if (vaddr & 1 || !fits_in_space(vaddr, 2)) return false;
  if (vaddr < fetch_cache_start_ || vaddr >= fetch_cache_end_) {
    const Vma* vma = find_vma(vaddr);
    if (!vma || !(vma->prot & kProtExec)) return false;
    fetch_cache_start_ = vma->start;
    fetch_cache_end_ = vma->end;
    fetch_cache_writable_ = vma->prot & kProtWrite;
  }
  if (fetch_cache_writable_ && !code_watch_paused_) {
    const uint64_t page = page_down(vaddr);
    if (!watched_pages_.contains(page)) watch_for_code_writes(page, *find_vma(vaddr));
  }
  // Executable pages are host-readable (host_prot_for), and a 2-aligned halfword never crosses
  // a page, so this read cannot fault.
  std::memcpy(out, base_ + vaddr, 2);
  return true;
}

void UserMemory::watch_for_code_writes(uint64_t page_start, const Vma& vma) {
  // Readable but not writable on the host; executable pages are always host-readable.
  if (::mprotect(base_ + page_start, kGuestPageSize, host_prot_for(vma.prot & ~kProtWrite)) == 0) {
    watched_pages_.insert(page_start);
  }
}

bool UserMemory::release_watched_pages(uint64_t start, uint64_t len) {
  if (watched_pages_.empty() || len == 0) return false;
  bool released = false;
  auto it = watched_pages_.lower_bound(page_down(start));
  while (it != watched_pages_.end() && *it < start + len) {
    const uint64_t page = *it;
    const Vma* vma = find_vma(page);
    ::mprotect(base_ + page, kGuestPageSize, host_prot_for(vma ? vma->prot : kProtNone));
    note_code_change(page, page + kGuestPageSize);
    it = watched_pages_.erase(it);
    released = true;
  }
  return released;
}

void UserMemory::forget_watched_pages(uint64_t start, uint64_t end) {
  auto it = watched_pages_.lower_bound(page_down(start));
  while (it != watched_pages_.end() && *it < end) {
    note_code_change(*it, *it + kGuestPageSize);
    it = watched_pages_.erase(it);
  }
}

// --- VMA bookkeeping ---

const Vma* UserMemory::find_vma(uint64_t addr) const {
  auto it = vmas_.upper_bound(addr);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

bool UserMemory::is_free(uint64_t start, uint64_t len) const {
  if (!fits_in_space(start, len)) return false;
  const uint64_t end = start + len;
  auto it = vmas_.lower_bound(start);
  if (it != vmas_.end() && it->second.start < end) return false;
  if (it != vmas_.begin() && std::prev(it)->second.end > start) return false;
  return true;
}

bool UserMemory::is_accessible(uint64_t start, uint64_t len, int prot) const {
  if (!fits_in_space(start, len)) return false;
  uint64_t cursor = start;
  const uint64_t end = start + len;
  while (cursor < end) {
    const Vma* vma = find_vma(cursor);
    if (!vma || (vma->prot & prot) != prot) return false;
    cursor = vma->end;
  }
  return true;
}

bool UserMemory::carve(uint64_t start, uint64_t end) {
  forget_watched_pages(start, end);
  bool had_exec = false;
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin()) --it;
  while (it != vmas_.end() && it->second.start < end) {
    Vma vma = it->second;
    if (vma.end <= start) {
      ++it;
      continue;
    }
    it = vmas_.erase(it);
    if (vma.prot & kProtExec) had_exec = true;
    if (vma.start < start) {
      Vma head = vma;
      head.end = start;
      vmas_.emplace(head.start, std::move(head));
    }
    if (vma.end > end) {
      Vma tail = vma;
      tail.start = end;
      it = vmas_.emplace(tail.start, std::move(tail)).first;
      ++it;
    }
  }
  fetch_cache_start_ = fetch_cache_end_ = 0;
  return had_exec;
}

void UserMemory::insert_vma(Vma vma) {
  fetch_cache_start_ = fetch_cache_end_ = 0;
  vmas_.emplace(vma.start, std::move(vma));
}

void UserMemory::note_code_change(uint64_t start, uint64_t end) {
  if (end > start) code_changes_.emplace_back(start, end - start);
}

std::vector<std::pair<uint64_t, uint64_t>> UserMemory::take_code_changes() {
  return std::exchange(code_changes_, {});
}

bool UserMemory::reserve_again(uint64_t start, uint64_t end) {
  void* p = ::mmap(base_ + start, end - start, PROT_NONE, kReserveFlags | MAP_FIXED, -1, 0);
  return p != MAP_FAILED;
}

std::optional<uint64_t> UserMemory::find_free_range(uint64_t len, uint64_t ceiling) const {
  if (len == 0 || len > kGuestSpaceSize) return std::nullopt;
  uint64_t gap_end = page_down(std::min(ceiling, kGuestSpaceSize));
  for (auto it = vmas_.lower_bound(gap_end); it != vmas_.begin();) {
    --it;
    const Vma& vma = it->second;
    if (vma.end <= gap_end && gap_end - vma.end >= len) return gap_end - len;
    gap_end = std::min(gap_end, vma.start);
  }
  if (gap_end >= kMinMmapAddress && gap_end - kMinMmapAddress >= len) return gap_end - len;
  return std::nullopt;
}

// --- mmap / munmap / mprotect / mremap / brk ---

int64_t UserMemory::map(uint64_t addr, uint64_t len, int prot, int flags, int host_fd,
                        uint64_t offset, std::string name) {
  if (len == 0 || (offset & (kGuestPageSize - 1))) return -EINVAL;
  if (prot & ~(kProtRead | kProtWrite | kProtExec)) return -EINVAL;
  const int type = flags & MAP_SHARED_VALIDATE;
  if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE) return -EINVAL;
  if (len > kGuestSpaceSize) return -ENOMEM;
  len = page_up(len);
  const bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  if (fixed) {
    if (addr & (kGuestPageSize - 1)) return -EINVAL;
    if (!fits_in_space(addr, len)) return -ENOMEM;
    if (addr < kMinMmapAddress) return -EPERM;
    if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !is_free(addr, len)) {
      return -EEXIST;
    }
  } else {
    const uint64_t hint = page_down(addr);
    if (hint >= kMinMmapAddress && is_free(hint, len)) {
      addr = hint;
    } else {
      std::optional<uint64_t> found = find_free_range(len, mmap_ceiling_);
      if (!found) return -ENOMEM;
      addr = *found;
    }
  }
  const bool anonymous = flags & MAP_ANONYMOUS;
  // Only flags that are about the mapping's contents reach the host; placement is ours, and
  // MAP_GROWSDOWN/MAP_HUGETLB/MAP_LOCKED/MAP_POPULATE are hints we do not honour.
  int host_flags = (flags & MAP_SHARED_VALIDATE) | MAP_FIXED;
  if (anonymous) host_flags |= MAP_ANONYMOUS | MAP_NORESERVE;
  void* p = MAP_FAILED;
  if (anonymous) {
    p = ::mmap(base_ + addr, len, host_prot_for(prot), host_flags, -1, 0);
  } else {
    // A file mapping can fail for reasons of its own (EACCES, ENODEV, EBADF). Map it aside
    // first, so that a failure leaves whatever the guest had at addr untouched, then move it
    // into place, which replaces the old pages in one step.
    void* aside = ::mmap(nullptr, len, host_prot_for(prot), host_flags & ~MAP_FIXED, host_fd,
                         static_cast<off_t>(offset));
    if (aside == MAP_FAILED) return -errno;
    p = ::mremap(aside, len, len, MREMAP_MAYMOVE | MREMAP_FIXED, base_ + addr);
    if (p == MAP_FAILED) ::munmap(aside, len);
  }
  if (p == MAP_FAILED) {
    const int err = errno;
    // A failed MAP_FIXED may already have dropped what was there; make host and VMA list agree.
    if (carve(addr, addr + len)) note_code_change(addr, addr + len);
    reserve_again(addr, addr + len);
    return -err;
  }
  if (carve(addr, addr + len) || (prot & kProtExec)) note_code_change(addr, addr + len);
  insert_vma(Vma{addr, addr + len, prot, type != MAP_PRIVATE, std::move(name)});
  return static_cast<int64_t>(addr);
}

int64_t UserMemory::unmap(uint64_t addr, uint64_t len) {
  if ((addr & (kGuestPageSize - 1)) || len == 0) return -EINVAL;
  if (!fits_in_space(addr, len)) return -EINVAL;
  len = page_up(len);
  if (!fits_in_space(addr, len)) return -EINVAL;
  if (!reserve_again(addr, addr + len)) return -errno;
  if (carve(addr, addr + len)) note_code_change(addr, addr + len);
  return 0;
}

int64_t UserMemory::protect(uint64_t addr, uint64_t len, int prot) {
  if (addr & (kGuestPageSize - 1)) return -EINVAL;
  if (prot & ~(kProtRead | kProtWrite | kProtExec)) return -EINVAL;
  if (!fits_in_space(addr, len)) return -ENOMEM;
  len = page_up(len);
  if (len == 0) return 0;
  if (!fits_in_space(addr, len)) return -ENOMEM;
  const uint64_t end = addr + len;
  if (!is_accessible(addr, len, kProtNone)) return -ENOMEM;
  if (::mprotect(base_ + addr, len, host_prot_for(prot)) != 0) return -errno;
  // Re-insert the affected pieces with the new protection, keeping their other attributes.
  std::vector<Vma> pieces;
  for (auto it = vmas_.lower_bound(page_down(addr)); it != vmas_.end() && it->first < end; ++it) {
    pieces.push_back(it->second);
  }
  if (const Vma* first = find_vma(addr); first && first->start < addr) {
    pieces.insert(pieces.begin(), *first);
  }
  bool exec_changed = false;
  carve(addr, end);
  for (Vma piece : pieces) {
    piece.start = std::max(piece.start, addr);
    piece.end = std::min(piece.end, end);
    if ((piece.prot ^ prot) & kProtExec) exec_changed = true;
    piece.prot = prot;
    insert_vma(std::move(piece));
  }
  if (exec_changed) note_code_change(addr, end);
  return 0;
}

int64_t UserMemory::remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
                          uint64_t new_addr) {
  if (old_addr & (kGuestPageSize - 1)) return -EINVAL;
  if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) return -EINVAL;  // MREMAP_DONTUNMAP unsupported
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return -EINVAL;
  if (new_len == 0 || !fits_in_space(old_addr, old_len) || new_len > kGuestSpaceSize) {
    return -EINVAL;
  }
  old_len = page_up(old_len);
  new_len = page_up(new_len);
  const Vma* vma = find_vma(old_addr);
  // Linux also requires the old range to lie within one mapping. (old_len 0 would duplicate a
  // shared mapping; not supported.)
  if (!vma || old_len == 0 || old_addr + old_len > vma->end) return -EFAULT;
  const Vma attributes = *vma;
  const bool exec = attributes.prot & kProtExec;

  auto move_to = [&](uint64_t target) -> int64_t {
    if (carve(target, target + new_len)) note_code_change(target, target + new_len);
    void* p = ::mremap(base_ + old_addr, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED,
                       base_ + target);
    if (p == MAP_FAILED) {
      const int err = errno;
      reserve_again(target, target + new_len);
      return -err;
    }
    reserve_again(old_addr, old_addr + old_len);  // the move left a hole in the reservation
    carve(old_addr, old_addr + old_len);
    Vma moved = attributes;
    moved.start = target;
    moved.end = target + new_len;
    insert_vma(std::move(moved));
    if (exec) {
      note_code_change(old_addr, old_addr + old_len);
      note_code_change(target, target + new_len);
    }
    return static_cast<int64_t>(target);
  };

  if (flags & MREMAP_FIXED) {
    if ((new_addr & (kGuestPageSize - 1)) || !fits_in_space(new_addr, new_len) ||
        new_addr < kMinMmapAddress) {
      return -EINVAL;
    }
    if (new_addr < old_addr + old_len && old_addr < new_addr + new_len) return -EINVAL;
    return move_to(new_addr);
  }
  if (new_len <= old_len) {
    if (new_len < old_len) {
      const int64_t r = unmap(old_addr + new_len, old_len - new_len);
      if (r < 0) return r;
    }
    return static_cast<int64_t>(old_addr);
  }
  const uint64_t grow_start = old_addr + old_len;
  const uint64_t grow_len = new_len - old_len;
  if (is_free(grow_start, grow_len)) {
    // Growing in place needs real free host address space right after the mapping: open a
    // hole in the reservation for the kernel to grow into.
    ::munmap(base_ + grow_start, grow_len);
    void* p = ::mremap(base_ + old_addr, old_len, new_len, 0);
    if (p != MAP_FAILED) {
      Vma grown = attributes;
      grown.end = old_addr + new_len;
      carve(attributes.start, attributes.end);
      insert_vma(std::move(grown));
      if (exec) note_code_change(grow_start, grow_start + grow_len);
      return static_cast<int64_t>(old_addr);
    }
    reserve_again(grow_start, grow_start + grow_len);
  }
  if (!(flags & MREMAP_MAYMOVE)) return -ENOMEM;
  std::optional<uint64_t> target = find_free_range(new_len, mmap_ceiling_);
  if (!target) return -ENOMEM;
  return move_to(*target);
}

void UserMemory::set_brk_start(uint64_t start) {
  brk_start_ = brk_current_ = page_up(start);
}

uint64_t UserMemory::brk(uint64_t requested) {
  if (requested < brk_start_ || !fits_in_space(requested, kGuestPageSize)) return brk_current_;
  const uint64_t old_top = page_up(brk_current_);
  const uint64_t new_top = page_up(requested);
  if (new_top > old_top) {
    if (!is_free(old_top, new_top - old_top)) return brk_current_;
    const int64_t r = map(old_top, new_top - old_top, kProtRead | kProtWrite,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0, "[heap]");
    if (r < 0) return brk_current_;
  } else if (new_top < old_top) {
    unmap(new_top, old_top - new_top);
  }
  brk_current_ = requested;
  return brk_current_;
}

// --- Host access for the emulator itself ---

uint8_t* UserMemory::host_pointer(uint64_t guest, uint64_t len) const {
  if (!fits_in_space(guest, len)) return nullptr;
  return base_ + guest;
}

bool UserMemory::copy_from_guest(void* dst, uint64_t guest, uint64_t len) const {
  if (len == 0) return true;
  if (!is_accessible(guest, len, kProtRead)) return false;
  std::memcpy(dst, base_ + guest, len);
  return true;
}

bool UserMemory::copy_to_guest(uint64_t guest, const void* src, uint64_t len) {
  release_watched_pages(guest, len);
  if (len == 0) return true;
  if (!is_accessible(guest, len, kProtWrite)) return false;
  std::memcpy(base_ + guest, src, len);
  return true;
}

std::optional<std::string> UserMemory::read_string(uint64_t guest, uint64_t max_len) const {
  std::string result;
  uint64_t cursor = guest;
  while (result.size() <= max_len) {
    const Vma* vma = find_vma(cursor);
    if (!vma || !(vma->prot & kProtRead)) return std::nullopt;
    const uint64_t chunk = std::min(vma->end - cursor, max_len + 1 - result.size());
    const char* host = reinterpret_cast<const char*>(base_ + cursor);
    const void* nul = std::memchr(host, 0, chunk);
    if (nul) {
      result.append(host, static_cast<const char*>(nul) - host);
      return result;
    }
    result.append(host, chunk);
    cursor += chunk;
  }
  return std::nullopt;
}

}  // namespace rwd::linux_user
