# A chunk taken out with `rewind trace dump --raw-chunk` must decode with the capnp tool and the
# schema in the repository: the format is documented by traces/trace.capnp, not by our code.
# Run with -DSAMPLE_TOOL=... -DREWIND=... -DSCHEMA=... -DWORK=... [-DCAPNP=...]
if(NOT CAPNP)
  message("SKIPPED: the capnp tool is not installed (package capnproto)")
  return()
endif()
file(MAKE_DIRECTORY ${WORK})
set(trace ${WORK}/sample.rwd)
execute_process(COMMAND ${SAMPLE_TOOL} ${trace} RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "trace_sample_tool failed: ${status}")
endif()
execute_process(COMMAND ${REWIND} trace dump ${trace} --raw-chunk 0
                OUTPUT_FILE ${WORK}/chunk0.bin RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "rewind trace dump --raw-chunk failed: ${status}")
endif()
execute_process(COMMAND ${CAPNP} decode ${SCHEMA} TraceChunk INPUT_FILE ${WORK}/chunk0.bin
                OUTPUT_VARIABLE decoded ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "capnp decode failed (${status}): ${errors}")
endif()
foreach(expected "firstEvent = 0" "kind = wallClock" "kind = entropy" "kind = consoleInput"
        "kind = stateHash" "value = 1700000000000000000")
  string(FIND "${decoded}" "${expected}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "capnp decode output lacks '${expected}':\n${decoded}")
  endif()
endforeach()
message("capnp decode: ok\n${decoded}")
