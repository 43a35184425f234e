// `rewind trace info|dump FILE`: what a recording holds, for people and for debugging the format.
#pragma once

#include <cstdio>

namespace rwd::trace {

// argv holds the arguments after "trace" (argv[0] is "info" or "dump"). Returns the exit status:
// 0, 1 for a bad file (one line "rewind: FILE: <problem>" on stderr), 2 for bad usage.
int trace_main(int argc, char** argv);
// The same writing to the given streams, for tests.
int trace_main(int argc, char** argv, std::FILE* out, std::FILE* err);

}  // namespace rwd::trace
