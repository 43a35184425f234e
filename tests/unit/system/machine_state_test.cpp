// Machine::capture/restore and state_hash: a bare-metal program (RAM stores over many pages,
// UART output, the time CSR, WFI woken by the CLINT timer, queued console input) is paused at
// an exact instruction count and captured; restored into the same machine and into a fresh
// one, it finishes with the same state hash and console output as the original run, on both
// tiers and across them. Malformed states are refused with a StateError and no change.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "machine_workload.h"
#include "traces/snapshot_file.h"

namespace rwd::systest {
namespace {

class MachineStateTest : public ::testing::TestWithParam<std::string> {
 protected:
  std::unique_ptr<Board> board(const std::string& tier) { return files_.board(tier); }

  static void finish(Board& b) {
    const auto exit = b.machine->run_until(*b.engine, b.host, dev::kNever);
    ASSERT_TRUE(exit.has_value());
    EXPECT_EQ(exit->code, 0) << exit->reason << " at pc " << std::hex << b.machine->hart().cpu().pc;
  }

  // Runs to `pause`, captures state and RAM, then runs to the end.
  struct Captured {
    system::MachineState state;
    std::vector<uint8_t> ram;
    size_t output_at_capture = 0;
    uint64_t final_hash = 0;
    std::string final_output;
  };
  Captured capture_and_finish(Board& b, uint64_t pause) {
    Captured c;
    const auto exit = b.machine->run_until(*b.engine, b.host, pause);
    EXPECT_FALSE(exit.has_value()) << exit->reason;
    EXPECT_EQ(b.machine->instructions_retired(), pause);
    b.machine->capture(&c.state);
    c.ram.assign(b.machine->ram().begin(), b.machine->ram().end());
    c.output_at_capture = b.console.bytes.size();
    finish(b);
    c.final_hash = b.machine->state_hash(true);
    c.final_output = b.console.bytes.substr(c.output_at_capture);
    return c;
  }

  static void restore(Board& b, const Captured& c) {
    std::copy(c.ram.begin(), c.ram.end(), b.machine->ram().begin());
    b.machine->restore(c.state, *b.engine);
  }

  WorkloadFiles files_;
};

TEST_P(MachineStateTest, RestoreIntoTheSameMachineReplaysTheRestExactly) {
  auto b = board(GetParam());
  const Captured c = capture_and_finish(*b, 700'001);
  EXPECT_GT(c.final_output.size(), 10u);
  EXPECT_FALSE(c.state.console_input.empty());
  EXPECT_GT(c.state.idle_insns, 0u);

  restore(*b, c);
  system::MachineState again;
  b->machine->capture(&again);
  EXPECT_EQ(again, c.state);
  const size_t before = b->console.bytes.size();
  finish(*b);
  EXPECT_EQ(b->machine->state_hash(true), c.final_hash);
  EXPECT_EQ(b->console.bytes.substr(before), c.final_output);
}

TEST_P(MachineStateTest, RestoreIntoAFreshMachineReplaysTheRestExactly) {
  auto original = board(GetParam());
  const Captured c = capture_and_finish(*original, 400'017);
  auto fresh = board(GetParam());
  restore(*fresh, c);
  finish(*fresh);
  EXPECT_EQ(fresh->machine->state_hash(true), c.final_hash);
  EXPECT_EQ(fresh->console.bytes, c.final_output);
}

TEST_P(MachineStateTest, StateCapturedOnOneTierFinishesIdenticallyOnTheOther) {
  auto original = board(GetParam());
  const Captured c = capture_and_finish(*original, 250'000);
  auto other = board(GetParam() == "jit" ? "interp" : "jit");
  restore(*other, c);
  finish(*other);
  EXPECT_EQ(other->machine->state_hash(true), c.final_hash);
  EXPECT_EQ(other->console.bytes, c.final_output);
}

TEST_P(MachineStateTest, SnapshotFileRestoresAFreshMachine) {
  auto original = board(GetParam());
  ASSERT_FALSE(original->machine->run_until(*original->engine, original->host, 333'333));
  system::MachineState state;
  original->machine->capture(&state);
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("rewind_statetest_" + std::to_string(getpid()) + ".rws"))
                               .string();
  std::string error;
  ASSERT_TRUE(trace::write_snapshot(path, {}, state, original->machine->ram(),
                                    original->machine->ram_base(), &error))
      << error;
  const size_t printed = original->console.bytes.size();
  finish(*original);

  const auto loaded = trace::read_snapshot(path, &error);
  std::filesystem::remove(path);
  ASSERT_TRUE(loaded) << error;
  EXPECT_EQ(loaded->meta.icount, 333'333u);
  auto fresh = board(GetParam());
  ASSERT_TRUE(loaded->apply_ram(fresh->machine->ram()));
  fresh->machine->restore(loaded->state, *fresh->engine);
  finish(*fresh);
  EXPECT_EQ(fresh->machine->state_hash(true), original->machine->state_hash(true));
  EXPECT_EQ(fresh->console.bytes, original->console.bytes.substr(printed));
}

TEST_P(MachineStateTest, HashSeesRamOnlyWhenAsked) {
  auto b = board(GetParam());
  ASSERT_FALSE(b->machine->run_until(*b->engine, b->host, 10'000).has_value());
  const uint64_t without = b->machine->state_hash(false);
  const uint64_t with = b->machine->state_hash(true);
  b->machine->ram()[12345] ^= 1;
  EXPECT_EQ(b->machine->state_hash(false), without);
  EXPECT_NE(b->machine->state_hash(true), with);
  ASSERT_FALSE(b->machine->run_until(*b->engine, b->host, 10'001).has_value());
  EXPECT_NE(b->machine->state_hash(false), without);
}

INSTANTIATE_TEST_SUITE_P(Tiers, MachineStateTest, ::testing::Values("interp", "jit"),
                         [](const auto& info) { return info.param; });

class MachineStateErrorTest : public MachineStateTest {};

// Every malformed state is refused with a one-line StateError and leaves the machine as it was.
TEST_F(MachineStateErrorTest, MalformedStatesAreRefusedWithoutChange) {
  auto b = board("interp");
  ASSERT_FALSE(b->machine->run_until(*b->engine, b->host, 300'000).has_value());
  system::MachineState good;
  b->machine->capture(&good);
  const uint64_t hash = b->machine->state_hash(true);

  auto refused = [&](const system::MachineState& bad, const std::string& what) {
    try {
      b->machine->restore(bad, *b->engine);
    } catch (const dev::StateError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
      EXPECT_EQ(b->machine->state_hash(true), hash) << what << ": " << e.what();
      return true;
    }
    return false;
  };

  system::MachineState bad = good;
  bad.devices.pop_back();
  EXPECT_TRUE(refused(bad, "missing device"));
  bad = good;
  std::swap(bad.devices[0], bad.devices[1]);
  EXPECT_TRUE(refused(bad, "devices out of order"));
  bad = good;
  bad.icount += 1;
  EXPECT_TRUE(refused(bad, "icount disagrees"));
  bad = good;
  bad.hart.push_back(0);
  EXPECT_TRUE(refused(bad, "trailing hart bytes"));

  // Every truncation of the hart and of each device's bytes; the last device is loaded
  // after all others, so a failure there also exercises the rollback.
  for (size_t len = 0; len < good.hart.size(); len += 5) {
    bad = good;
    bad.hart.resize(len);
    EXPECT_TRUE(refused(bad, "hart truncated to " + std::to_string(len)));
  }
  for (size_t d = 0; d < good.devices.size(); ++d) {
    for (size_t len = 0; len < good.devices[d].second.size(); len += 3) {
      bad = good;
      bad.devices[d].second.resize(len);
      EXPECT_TRUE(refused(bad, good.devices[d].first + " truncated to " + std::to_string(len)));
    }
  }
  // Flipped bytes may or may not be valid states; either way no crash, and a refusal changes
  // nothing (checked inside refused()).
  for (size_t i = 0; i < good.hart.size(); i += 7) {
    bad = good;
    bad.hart[i] ^= 0xff;
    if (!refused(bad, "hart byte " + std::to_string(i))) b->machine->restore(good, *b->engine);
  }
  b->machine->restore(good, *b->engine);
  EXPECT_EQ(b->machine->state_hash(true), hash);
}

}  // namespace
}  // namespace rwd::systest
