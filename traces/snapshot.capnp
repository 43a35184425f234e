# The payloads of the frames of a Rewind snapshot file (magic "RWDSNAP1", see
# traces/snapshot_file.h for the frame order). Every payload is one flat Cap'n Proto message.
#
# Compatibility: fields may be added at the end of a struct; anything that changes what
# existing fields mean bumps kSnapshotFormatVersion, which old readers then refuse.
@0x83811ac079bd826a;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("rwd::trace::snapshot_schema");

struct ImageDigest {
  role @0 :Text;
  path @1 :Text;
  size @2 :UInt64;
  xxh64 @3 :UInt64;
}

# Frame kind 1, always first: where the snapshot came from and the machine state without
# devices and RAM.
struct SnapshotHeader {
  formatVersion @0 :UInt32;
  runArgs @1 :List(Text);        # the run options the machine was built from
  images @2 :List(ImageDigest);
  icount @3 :UInt64;             # instructions retired
  clock @4 :UInt64;              # virtual time
  # Taken during a replay: where the replay continues (hasTrace false otherwise).
  hasTrace @5 :Bool;
  traceEvent @6 :UInt64;         # the next trace event to replay
  traceIntervals @7 :UInt64;     # state hashes already checked before it
  traceHeaderHash @8 :UInt64;    # identifies the trace
  ramBase @9 :UInt64;
  ramSize @10 :UInt64;           # bytes, a multiple of the page size
  idleInsns @11 :UInt64;
  nextPollClock @12 :UInt64;
  hart @13 :Data;                # Hart::save bytes
  consoleInput @14 :Data;
  deviceCount @15 :UInt32;       # device frames that follow
}

# Frame kind 2: one device's saved state, split over consecutive frames with the same index
# when large (a disk overlay).
struct DeviceState {
  index @0 :UInt32;              # 0-based, in bus order
  key @1 :Text;                  # "uart16550@10000000"
  data @2 :Data;                 # this frame's part of the device's save() bytes
}

# Frame kind 3: RAM. Zero pages are absent; each distinct page content is stored once, in
# the first frame that needs it, and numbered in order of appearance across the file.
struct RamPages {
  firstContent @0 :UInt64;       # number of contents[0]
  contents @1 :List(Data);       # page-sized each
  pages @2 :List(PageRef);       # strictly increasing page indexes
}

struct PageRef {
  index @0 :UInt64;              # page number within RAM
  content @1 :UInt64;            # a content stored in this frame or an earlier one
}

# Frame kind 4, last: everything before it is complete.
struct SnapshotEnd {
  pageCount @0 :UInt64;          # non-zero pages
  contentCount @1 :UInt64;       # distinct contents
  deviceFrames @2 :UInt64;
}
