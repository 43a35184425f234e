# Shared helpers for every test folder. Include it with
#   include(${CMAKE_CURRENT_LIST_DIR}/../testing.cmake)   (or the right relative path)
# It is include-guarded, so including it from several folders is fine.
#
# Provides:
#   rewind_add_unit_test(name SOURCES a.cpp b.cpp LIBS lib1 lib2)
#       gtest executable linked with GTest::gtest_main (and gmock), each gtest
#       case discovered as its own CTest test, all labelled `unit` so that
#       `ctest -L unit` (the sanitizer CI stage) picks them up.
#   REWIND_TEST_TIERS          list of execution tiers every guest/diff/real
#                              test is registered for (default: interp).
#   rewind_emulator_args(out tier)
#       sets ${out} to the runner arguments that select the emulator under
#       test: `--emulator <cmd> --tier <tier>`, or just `--emulator qemu-riscv64`
#       when the rewind target does not exist (harness self-check mode).
#   REWIND_RISCV_CC / REWIND_RISCV_CXX  the riscv64 cross compilers.
#   REWIND_QEMU                the reference emulator (qemu-riscv64).
#   REWIND_RISCV_SYSROOT       the -L prefix for dynamically linked guests.
include_guard(GLOBAL)

include(GoogleTest)

set(REWIND_TEST_TIERS "interp;jit;llvm;auto" CACHE STRING
    "Execution tiers (rewind --tier=...) that guest, diff and real tests run under")
set(REWIND_TEST_EMULATOR "" CACHE STRING
    "Override the emulator command under test (default: the rewind target, or qemu-riscv64 if it is not built)")

find_program(REWIND_RISCV_CC riscv64-linux-gnu-gcc)
find_program(REWIND_RISCV_CXX riscv64-linux-gnu-g++)
if(NOT REWIND_RISCV_CC)
  message(FATAL_ERROR
    "riscv64-linux-gnu-gcc not found: the guest, diff and real tests cross-compile "
    "RISC-V programs. Install gcc-riscv64-linux-gnu and libc6-dev-riscv64-cross "
    "(tools/install-deps.sh does), or configure with -DREWIND_TESTS=OFF.")
endif()
find_program(REWIND_QEMU qemu-riscv64)
if(NOT REWIND_QEMU)
  message(FATAL_ERROR
    "qemu-riscv64 not found: it is the reference the guest, diff and real tests "
    "compare against. Install qemu-user (tools/install-deps.sh does).")
endif()
set(REWIND_RISCV_SYSROOT "/usr/riscv64-linux-gnu" CACHE PATH
    "Sysroot passed as -L to the emulators for dynamically linked guests")

# Python for the runners (the top level already requires it; be robust anyway).
if(NOT Python3_EXECUTABLE)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()

# The mode is recomputed inside each function: this file is include-guarded,
# so plain variables set here would only be visible in the first includer's
# directory scope, not in sibling test folders.
function(_rewind_emulator_mode out)
  if(REWIND_TEST_EMULATOR)
    set(${out} "custom" PARENT_SCOPE)
  elseif(TARGET rewind)
    set(${out} "rewind" PARENT_SCOPE)
  else()
    set(${out} "qemu" PARENT_SCOPE)
  endif()
endfunction()

_rewind_emulator_mode(_mode)
if(_mode STREQUAL "qemu")
  message(STATUS
    "rewind target not defined: guest/diff/real tests run qemu-riscv64 against "
    "itself (harness self-check only)")
endif()

# The tier list decides test names, but in qemu self-check mode there is only
# one meaningful "tier", so tests are registered once under the first tier name.
function(rewind_test_tiers out)
  _rewind_emulator_mode(mode)
  if(mode STREQUAL "qemu")
    list(GET REWIND_TEST_TIERS 0 first)
    set(${out} ${first} PARENT_SCOPE)
  else()
    set(${out} ${REWIND_TEST_TIERS} PARENT_SCOPE)
  endif()
endfunction()

function(rewind_emulator_args out tier)
  _rewind_emulator_mode(mode)
  if(mode STREQUAL "custom")
    set(${out} --emulator "${REWIND_TEST_EMULATOR}" --tier ${tier} PARENT_SCOPE)
  elseif(mode STREQUAL "rewind")
    # A single string: the runners split it shell-style.
    set(${out} --emulator "$<TARGET_FILE:rewind> user" --tier ${tier} PARENT_SCOPE)
  else()
    set(${out} --emulator "${REWIND_QEMU}" PARENT_SCOPE)
  endif()
endfunction()

function(rewind_add_unit_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES} ${ARG_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} GTest::gtest_main)
  if(TARGET GTest::gmock)
    target_link_libraries(${name} PRIVATE GTest::gmock)
  endif()
  gtest_discover_tests(${name}
    TEST_PREFIX "${name}."
    PROPERTIES LABELS unit
    DISCOVERY_TIMEOUT 60)
endfunction()
