# seeds_fresh.cmake: the check behind every fuzz-seeds-fresh/<target> ctest whose seeds a tool
# writes (record_apdu_seeds, gen_session_seeds). Run as a script:
#   cmake -DGEN=<tool> -DOUT=<scratch dir> -DREF=<corpora/target> -DHOW=<how to regenerate>
#         -P seeds_fresh.cmake
# The tool writes its seeds into OUT; the file names and every byte must be those of REF, so
# a change of what the module sends or of the input layout that alters a committed seed fails
# until the seeds are regenerated and committed.
foreach(_v GEN OUT REF HOW)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "seeds_fresh.cmake needs -DGEN= -DOUT= -DREF= -DHOW=")
  endif()
endforeach()
get_filename_component(_name ${REF} NAME)
file(REMOVE_RECURSE ${OUT})
file(MAKE_DIRECTORY ${OUT})
execute_process(COMMAND ${GEN} ${OUT} RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "${GEN} failed: ${_rc}")
endif()
file(GLOB _new RELATIVE ${OUT} ${OUT}/*)
file(GLOB _old RELATIVE ${REF} ${REF}/*)
list(SORT _new)
list(SORT _old)
if(NOT _new STREQUAL _old)
  message(FATAL_ERROR "corpora/${_name} is stale: written [${_new}], committed [${_old}]. "
                      "${HOW}")
endif()
set(_stale "")
foreach(f IN LISTS _new)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${OUT}/${f} ${REF}/${f}
                  RESULT_VARIABLE _diff)
  if(NOT _diff EQUAL 0)
    list(APPEND _stale ${f})
  endif()
endforeach()
if(_stale)
  message(FATAL_ERROR "corpora/${_name} is stale, these seeds come out differently now: "
                      "${_stale}. ${HOW}")
endif()
list(LENGTH _new _n)
message(STATUS "${_n} seeds of corpora/${_name} written again byte for byte")
