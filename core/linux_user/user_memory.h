// The guest address space of a Linux user-mode process. The whole guest range is one host
// reservation, so guest address g is host address linear_base()+g; guest mmap/mprotect become
// host mmap(MAP_FIXED)/mprotect on that reservation and host page protection mirrors the guest's.
// That lets load()/store() (and later the JIT) access memory directly, with a host SIGSEGV turned
// into a precise guest page fault (see guest_fault.h).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cpu/guest_memory.h"

namespace rwd::linux_user {

constexpr uint64_t kGuestPageSize = 4096;
// Sv39 user space: 0 .. 0x3f_ffff_ffff, as a riscv64 Linux process sees it.
constexpr uint64_t kGuestSpaceSize = uint64_t{1} << 38;
// Linux refuses mappings below vm.mmap_min_addr (65536 by default); so do we, which also keeps
// guest NULL unmapped.
constexpr uint64_t kMinMmapAddress = 0x10000;

// Guest-visible protection bits (same values as the host's PROT_*).
enum GuestProt : int { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

constexpr uint64_t page_down(uint64_t a) { return a & ~(kGuestPageSize - 1); }
// Callers check for overflow with fits_in_space() first.
constexpr uint64_t page_up(uint64_t a) { return (a + kGuestPageSize - 1) & ~(kGuestPageSize - 1); }
constexpr bool fits_in_space(uint64_t start, uint64_t len) {
  return start <= kGuestSpaceSize && len <= kGuestSpaceSize - start;
}

struct Vma {
  uint64_t start = 0;  // page aligned
  uint64_t end = 0;    // exclusive, page aligned
  int prot = kProtNone;
  bool shared = false;
  std::string name;  // file path, "[stack]", "[heap]", ... (for /proc/self/maps-like dumps)
};

class UserMemory final : public GuestMemory {
 public:
  // Reserves the guest space. Fails (nullptr + message) if the host cannot reserve it.
  static std::unique_ptr<UserMemory> create(std::string* error);
  ~UserMemory() override;
  UserMemory(const UserMemory&) = delete;
  UserMemory& operator=(const UserMemory&) = delete;

  // --- GuestMemory ---
  uint64_t load(CpuState& cpu, uint64_t vaddr, MemOp op) override;
  void store(CpuState& cpu, uint64_t vaddr, uint64_t value, MemOp op) override;
  bool fetch16(uint64_t vaddr, uint16_t* out) override;
  uint8_t* linear_base() const override { return base_; }
  uint64_t linear_size() const override { return kGuestSpaceSize; }
  void enter_inline_access(CpuState& cpu) override;
  void leave_inline_access() override;

  // --- Address-space management. Results are a guest address / 0 on success or -errno. ---
  // Guest mmap semantics: `flags` are Linux MAP_* flags (identical on riscv64 and x86-64).
  // host_fd < 0 for anonymous mappings.
  int64_t map(uint64_t addr, uint64_t len, int prot, int flags, int host_fd, uint64_t offset,
              std::string name);
  int64_t unmap(uint64_t addr, uint64_t len);
  int64_t protect(uint64_t addr, uint64_t len, int prot);
  int64_t remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
                uint64_t new_addr);
  // Linux brk(): returns the new break, or the old one when the request cannot be met.
  uint64_t brk(uint64_t requested);
  void set_brk_start(uint64_t start);
  uint64_t brk_start() const { return brk_start_; }

  // Highest free page-aligned range of `len` bytes that ends at or below `ceiling` (Linux's
  // top-down mmap layout), above kMinMmapAddress.
  std::optional<uint64_t> find_free_range(uint64_t len, uint64_t ceiling) const;
  bool is_free(uint64_t start, uint64_t len) const;
  // Every page of [start, start+len) is mapped with at least the `prot` bits.
  bool is_accessible(uint64_t start, uint64_t len, int prot) const;
  // Top of the region searched for mmap without a hint (just below the stack gap).
  uint64_t mmap_ceiling() const { return mmap_ceiling_; }
  void set_mmap_ceiling(uint64_t ceiling) { mmap_ceiling_ = ceiling; }

  // --- Host access for the syscall layer and loader ---
  // Host pointer for [guest, guest+len) if the range lies inside the guest space (mappings are
  // not checked: hand it to the kernel, which reports EFAULT for unmapped parts); else nullptr.
  uint8_t* host_pointer(uint64_t guest, uint64_t len) const;
  // Copies checked against the guest's mappings, so the emulator itself never faults on them.
  bool copy_from_guest(void* dst, uint64_t guest, uint64_t len) const;
  bool copy_to_guest(uint64_t guest, const void* src, uint64_t len);
  // NUL-terminated string of at most max_len bytes (excluding the NUL); nullopt on a bad
  // pointer or when no NUL is found in time.
  std::optional<std::string> read_string(uint64_t guest, uint64_t max_len) const;

  const std::map<uint64_t, Vma>& vmas() const { return vmas_; }
  const Vma* find_vma(uint64_t addr) const;

  // Guest ranges whose executable contents may have changed (unmapped, remapped, protection
  // changed) since the last call; the process loop passes them to ExecutionEngine::invalidate.
  std::vector<std::pair<uint64_t, uint64_t>> take_code_changes();
  // Records that guest code in [start, end) changed by other means (riscv_flush_icache).
  void note_code_change(uint64_t start, uint64_t end);

  // Self-modifying code. Code fetched from a page the guest may write is translated from a
  // snapshot, so such pages are kept read-only on the host ("watched"): a guest store to one
  // faults precisely, and the process loop calls release_watched_pages() (which restores
  // write access and records a code change) and re-runs the store. Host-side writers —
  // syscalls filling guest buffers, copy_to_guest — release the pages they write first.
  // Returns whether [start, start+len) touched any watched page.
  bool release_watched_pages(uint64_t start, uint64_t len);
  size_t watched_page_count() const { return watched_pages_.size(); }
  // While paused, fetching from writable pages does not watch them (used to run the one store
  // that hit a watched page, whose own block may sit on that page).
  void pause_code_watch(bool paused) { code_watch_paused_ = paused; }

 private:
  UserMemory(uint8_t* base, uint64_t reserved_bytes);
  // Puts [start, end) back to the reserved-but-inaccessible state on the host.
  bool reserve_again(uint64_t start, uint64_t end);
  // Removes [start, end) from the VMA list, splitting VMAs that straddle the bounds. Returns
  // whether any removed part was executable.
  bool carve(uint64_t start, uint64_t end);
  void watch_for_code_writes(uint64_t page_start, const Vma& vma);
  // Drops watched pages in [start, end) whose host protection is being replaced anyway.
  void forget_watched_pages(uint64_t start, uint64_t end);
  void insert_vma(Vma vma);
  [[noreturn]] void raise_access_fault(CpuState& cpu, uint64_t vaddr, bool is_store) const;

  uint8_t* base_;
  uint64_t reserved_bytes_;  // guest space plus a trailing guard the guest can never map
  std::map<uint64_t, Vma> vmas_;  // keyed by start; never overlapping
  uint64_t brk_start_ = 0;
  uint64_t brk_current_ = 0;
  uint64_t mmap_ceiling_ = kGuestSpaceSize;
  std::set<uint64_t> watched_pages_;  // page-aligned guest addresses
  bool code_watch_paused_ = false;
  std::vector<std::pair<uint64_t, uint64_t>> code_changes_;
  // fetch16 is hot in the translator; remember the last executable VMA it hit.
  uint64_t fetch_cache_start_ = 0;
  uint64_t fetch_cache_end_ = 0;
  bool fetch_cache_writable_ = false;
};

// Host protection for a guest protection: execute-only guest pages stay host-readable because
// fetch16 reads them, and the host never executes guest memory.
int host_prot_for(int guest_prot);

}  // namespace rwd::linux_user
