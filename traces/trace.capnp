# The payloads of the frames of a Rewind trace (see traces/README.md for the file layout).
# Every frame payload is one flat Cap'n Proto message (segment table + segments), so a payload
# taken out with `rewind trace dump FILE --raw-chunk K` decodes with
#   capnp decode traces/trace.capnp TraceChunk < chunk.bin
#
# Compatibility: fields may be added at the end of a struct (old readers ignore them, new
# readers see defaults in old files). Anything that changes what existing fields mean bumps
# the file's format version (kTraceFormatVersion), which old readers then refuse.
@0xc2d4c2efa86c9601;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("rwd::trace::schema");

# Frame kind 1, always the first frame: what was run and how.
struct TraceHeader {
  formatVersion @0 :UInt32;        # equals the version in the file header
  runArgs @1 :List(Text);          # the run options as the user gave them (QEMU spellings)
  images @2 :List(ImageDigest);    # firmware, kernel, initrd, disks
  hashInterval @3 :UInt64;         # instructions between stateHash events (0: none)
  recorder @4 :Text;               # free text, e.g. "rewind 0.1, tier jit"
}

struct ImageDigest {
  role @0 :Text;                   # "bios", "kernel", "initrd", "drive0", ...
  path @1 :Text;
  size @2 :UInt64;                 # bytes
  xxh64 @3 :UInt64;                # XXH64 (seed 0) of the whole file
}

# Every input from outside the guest, in the order the guest consumed it.
enum EventKind {
  wallClock @0;     # value: the host's Unix time in ns that the guest read
  entropy @1;       # data: random bytes the guest got
  consoleInput @2;  # data: bytes typed on the console
  idle @3;          # value: the clock the hart resumed at; data: bytes typed while idle
  stateHash @4;     # value: hash of the machine state (every hashInterval instructions)
  stop @5;          # the user stopped the run; exitCode, text: the reason
  end @6;           # the run ended; value: final state hash, exitCode, text: the reason
}

struct Event {
  kind @0 :EventKind;
  clock @1 :UInt64;      # virtual time: instructions retired + idle time
  icount @2 :UInt64;     # instructions retired
  value @3 :UInt64;      # meaning depends on kind (see EventKind)
  exitCode @4 :Int32;    # stop, end
  data @5 :Data;         # entropy, consoleInput, idle
  text @6 :Text;         # stop, end
}

# Frame kind 2: a run of consecutive events. A chunk always ends right after a stateHash
# event, so seeking to a hash interval means starting at a chunk.
struct TraceChunk {
  firstEvent @0 :UInt64; # number of its first event in the whole trace (0-based)
  events @1 :List(Event);
}

# Frame kind 3, written once at the end: where every chunk is, for seeking without a scan.
struct TraceIndex {
  chunks @0 :List(ChunkInfo);
}

struct ChunkInfo {
  offset @0 :UInt64;       # byte offset of the chunk's frame in the file
  firstEvent @1 :UInt64;
  eventCount @2 :UInt32;
  firstClock @3 :UInt64;   # clock of its first and last event
  lastClock @4 :UInt64;
  storedBytes @5 :UInt64;  # LZ4 bytes in the frame
  rawBytes @6 :UInt64;     # bytes of the TraceChunk message
}

# Frame kind 4, the last frame: the recording finished and everything before it is complete.
struct TraceEnd {
  eventCount @0 :UInt64;
  chunkCount @1 :UInt64;
  indexOffset @2 :UInt64;  # byte offset of the index frame
}
