// One GDB client's protocol session: acks, packet dispatch to a DebugTarget, stop replies and
// Ctrl-C while the target runs. It talks to the client through a Transport, so tests and the
// fuzzer drive it with bytes in memory and the server with a socket.
//
// Errors sent to the client (gdb shows only the number):
//   E00  qXfer request malformed or for an unknown annex (the qXfer convention)
//   E01  malformed packet: bad hex, missing fields, numbers that overflow, wrong lengths
//   E02  no such thread or register
//   E03  the target refused: a register/memory write it cannot do now, a failed (un)insert
//   E14  memory not readable/writable there (EFAULT)
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gdbstub/debug_target.h"
#include "gdbstub/packet.h"

namespace rwd::gdb {

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends all of `bytes`; false once the client is gone.
  virtual bool write(std::span<const uint8_t> bytes) = 0;
  // Never blocks: copies bytes that have already arrived into `buffer` and returns how many
  // (0 when there are none), or -1 once the client is gone. Used while the target runs, to see
  // a Ctrl-C without waiting for it.
  virtual ptrdiff_t poll(std::span<uint8_t> buffer) = 0;
};

enum class SessionEnd {
  kActive,        // not over yet
  kDetached,      // D: the target was told to detach()
  kKilled,        // k / vKill: the target was told to kill()
  kExited,        // the machine ended; the client got a W reply
  kDisconnected,  // the client went away without D or k (the target was told nothing)
};
const char* session_end_name(SessionEnd end);  // "detached", "killed", ...

class Session {
 public:
  // `log` receives one-line notes the client cannot be told in detail (why a write was
  // refused, dropped oversized packets); may be empty.
  Session(DebugTarget& target, Transport& transport,
          std::function<void(std::string_view)> log = {});
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Consumes bytes from the client, answering every complete packet (running the target when
  // asked, which blocks until it stops). False once the session is over; later input is
  // ignored.
  bool handle_input(std::span<const uint8_t> bytes);
  // The client closed the connection.
  void connection_closed();

  bool finished() const { return end_ != SessionEnd::kActive; }
  SessionEnd end() const { return end_; }
  bool ack_mode() const { return ack_mode_; }

 private:
  // Packets that arrive while the target runs wait here; gdb sends none in all-stop mode but
  // a client that does must not make the stub buffer without bound.
  static constexpr size_t kMaxQueuedEvents = 16;

  void process();
  bool next_inbox_event(PacketEvent* event);
  void handle_event(PacketEvent& event);
  void handle_packet(std::string_view packet);
  bool poll_interrupt();
  std::function<bool()> interrupted_callback();

  void reply(std::string_view payload);
  void send_raw(std::string_view bytes);
  void finish(SessionEnd end);
  void note(std::string_view text);

  // session.cpp: registers, memory, breakpoints, execution.
  void read_registers();
  void write_registers(std::string_view hex);
  void read_register(std::string_view args);
  void write_register(std::string_view args);
  void read_memory(std::string_view args);
  void write_memory_hex(std::string_view args);
  void write_memory_binary(std::string_view args);
  void breakpoint(std::string_view packet, bool insert);
  void continue_or_step(std::string_view packet);
  void resume(ResumeAction action, int64_t thread);
  std::string stop_reply(const StopEvent& stop);
  bool current_pc(uint64_t* pc);

  // session_queries.cpp: q, Q, v, H, T packets and monitor commands.
  void query(std::string_view packet);
  void supported(std::string_view features);
  void xfer(std::string_view args);
  void monitor(std::string_view hex);
  void set_thread(std::string_view packet);
  void thread_alive(std::string_view packet);
  void thread_extra_info(std::string_view args);
  void v_packet(std::string_view packet);
  void v_cont(std::string_view actions);
  // "-1" is -1 (all threads), "0" any thread, else a hex id. False if malformed.
  static bool parse_thread_id(std::string_view text, int64_t* id);
  // 0, -1 or an existing thread.
  bool thread_ok(int64_t id) const;
  unsigned thread_count() const;

  DebugTarget& target_;
  Transport& transport_;
  std::function<void(std::string_view)> log_;
  PacketReader reader_;

  std::vector<uint8_t> inbox_;  // bytes received but not yet read by reader_
  size_t inbox_pos_ = 0;
  std::deque<PacketEvent> queued_;

  SessionEnd end_ = SessionEnd::kActive;
  bool ack_mode_ = true;
  std::string last_reply_;  // the framed reply, for a retransmit on '-'
  bool interrupt_seen_ = false;
  bool disconnected_ = false;

  unsigned g_thread_ = 1;       // the thread id registers and memory act on (Hg)
  int64_t c_thread_ = 0;        // the thread id c/s/bc/bs act on (Hc): 0 / -1 for the current one
  unsigned thread_cursor_ = 0;  // the next id qsThreadInfo lists
  bool client_swbreak_ = false;
  bool client_hwbreak_ = false;
  StopEvent last_stop_;
  std::string target_xml_;  // built on the first qXfer read
};

}  // namespace rwd::gdb
