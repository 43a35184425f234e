// The machine options of `rewind run`, `record` and `replay` (QEMU's spellings: -M, -m, -smp,
// -bios, -kernel, -initrd, -append, -drive, -device, -nographic), shared so that a trace
// header's arguments are parsed exactly as the command line they came from.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "machine/machine_config.h"

namespace rwd::run {

// The options as CLI11 binds them; finish() turns the text ones into the config.
struct MachineOptions {
  machine::MachineConfig config;
  std::string machine_name, memory, smp;
  std::vector<std::string> drives, devices;

  void add_to(CLI::App& app);
  // Parses -m/-smp/-drive/-device into `config`; false with a one-line error otherwise.
  bool finish(std::string* error);
};

// QEMU spells long options with one dash (-kernel, -nographic); CLI11 wants two. Rewrites the
// arguments after the first of `subcommands` that name one of them, leaving values alone.
std::vector<std::string> qemu_style_arguments(const std::vector<std::string>& args,
                                              const std::vector<std::string>& subcommands);

// Machine arguments (QEMU spellings) that rebuild `config`, with image paths made absolute so
// they mean the same from any directory. What a trace header or snapshot stores.
std::vector<std::string> machine_arguments(const machine::MachineConfig& config);

// Parses arguments made by machine_arguments() (or typed by a user) into a config.
std::optional<machine::MachineConfig> parse_machine_arguments(const std::vector<std::string>& args,
                                                              std::string* error);

}  // namespace rwd::run
