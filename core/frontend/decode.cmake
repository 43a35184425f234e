# Generates the RISC-V instruction decoders from insn32.decode/insn16.decode.
#
#   include(${PROJECT_SOURCE_DIR}/core/frontend/decode.cmake)
#   rewind_generate_decoders(<target>)
#
# writes into ${CMAKE_CURRENT_BINARY_DIR}:
#   decode-common.inc  (argument structs, trans_ declarations; included by the next two)
#   decode-insn32.inc  decode-insn16.inc  encode-insn32.inc
# adds them to <target>'s sources (so they are built first) and that directory
# to its include path. Call it from the directory that defines <target>.

if(NOT Python3_EXECUTABLE)
  find_package(Python3 REQUIRED COMPONENTS Interpreter)
endif()
set(REWIND_DECODE_SPEC_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(REWIND_DECODETREE ${CMAKE_CURRENT_LIST_DIR}/../../tools/decodetree.py ABSOLUTE)

function(rewind_generate_decoders target)
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR})
  set(spec32 ${REWIND_DECODE_SPEC_DIR}/insn32.decode)
  set(spec16 ${REWIND_DECODE_SPEC_DIR}/insn16.decode)
  set(outputs
    ${out_dir}/decode-common.inc
    ${out_dir}/decode-insn32.inc
    ${out_dir}/decode-insn16.inc
    ${out_dir}/encode-insn32.inc)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${Python3_EXECUTABLE} ${REWIND_DECODETREE}
            --decoder insn32:32:${spec32}
            --decoder insn16:16:${spec16}
            --output-dir ${out_dir}
    DEPENDS ${REWIND_DECODETREE} ${spec32} ${spec16}
    COMMENT "Generating RISC-V decoders from insn32.decode and insn16.decode"
    VERBATIM)
  target_sources(${target} PRIVATE ${outputs})
  target_include_directories(${target} PRIVATE ${out_dir})
endfunction()
