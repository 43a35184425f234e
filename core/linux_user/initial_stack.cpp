#include "linux_user/initial_stack.h"

#include <elf.h>

#include <cstring>

namespace rwd::linux_user {

std::optional<uint64_t> build_initial_stack(UserMemory& memory, uint64_t stack_top,
                                            uint64_t stack_limit,
                                            const InitialStackContents& contents) {
  // Bytes between the strings and the pointer table; sized so the whole table fits (checked
  // against stack_limit before anything is written).
  uint64_t string_bytes = 16 + 16 + contents.execfn.size() + 1 + contents.platform.size() + 1;
  for (const auto& s : contents.argv) string_bytes += s.size() + 1;
  for (const auto& s : contents.envp) string_bytes += s.size() + 1;
  const uint64_t aux_count = contents.auxv.size() + 4;  // + RANDOM, EXECFN, PLATFORM, NULL
  const uint64_t table_words =
      1 + (contents.argv.size() + 1) + (contents.envp.size() + 1) + 2 * aux_count;
  if (stack_top < stack_limit || stack_top - stack_limit < string_bytes + 8 * table_words + 64) {
    return std::nullopt;
  }

  // Strings go top-down, starting below a zero word at the very top as Linux leaves.
  uint64_t cursor = stack_top - 8;
  auto push_bytes = [&](const void* data, uint64_t len) {
    cursor -= len;
    std::memcpy(memory.host_pointer(cursor, len), data, len);
    return cursor;
  };
  auto push_string = [&](const std::string& s) { return push_bytes(s.c_str(), s.size() + 1); };

  const uint64_t execfn_addr = push_string(contents.execfn);
  std::vector<uint64_t> env_addrs;
  for (auto it = contents.envp.rbegin(); it != contents.envp.rend(); ++it) {
    env_addrs.insert(env_addrs.begin(), push_string(*it));
  }
  std::vector<uint64_t> arg_addrs;
  for (auto it = contents.argv.rbegin(); it != contents.argv.rend(); ++it) {
    arg_addrs.insert(arg_addrs.begin(), push_string(*it));
  }
  const uint64_t platform_addr = push_string(contents.platform);
  cursor &= ~uint64_t{15};
  const uint64_t random_addr = push_bytes(contents.random.data(), contents.random.size());

  std::vector<uint64_t> table;
  table.reserve(table_words);
  table.push_back(contents.argv.size());
  table.insert(table.end(), arg_addrs.begin(), arg_addrs.end());
  table.push_back(0);
  table.insert(table.end(), env_addrs.begin(), env_addrs.end());
  table.push_back(0);
  for (const AuxEntry& entry : contents.auxv) {
    table.push_back(entry.type);
    table.push_back(entry.value);
  }
  for (const AuxEntry& entry : {AuxEntry{AT_RANDOM, random_addr}, AuxEntry{AT_EXECFN, execfn_addr},
                                AuxEntry{AT_PLATFORM, platform_addr}, AuxEntry{AT_NULL, 0}}) {
    table.push_back(entry.type);
    table.push_back(entry.value);
  }
  const uint64_t sp = (cursor - 8 * table.size()) & ~uint64_t{15};
  std::memcpy(memory.host_pointer(sp, 8 * table.size()), table.data(), 8 * table.size());
  return sp;
}

}  // namespace rwd::linux_user
