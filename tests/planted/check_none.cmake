# cmake -P script (tests/planted/CMakeLists.txt): fails when the build tree plants a bug.
#   COMPILE_COMMANDS  the tree's compile_commands.json (CMAKE_EXPORT_COMPILE_COMMANDS is on)
#   SOURCE_DIR        the source tree, to find every CH_PLANTED_* macro that src/ tests
#   NM                nm
#   LIB_SHIPPED, LIB_SCRIPT, LIB_VPIV  libraries that hold the card module (LIB_VPIV optional)
set(_files "")
foreach(_v COMPILE_COMMANDS SOURCE_DIR NM LIB_SHIPPED LIB_SCRIPT)
  if(NOT DEFINED ${_v})
    message(FATAL_ERROR "check_none.cmake needs -D${_v}=")
  endif()
endforeach()

# The macros src/ knows, so that a test which finds none of them in src/ fails too instead of
# passing for want of anything to look for.
file(GLOB_RECURSE _srcs ${SOURCE_DIR}/src/*.c)
set(_known "")
foreach(_f IN LISTS _srcs)
  file(STRINGS ${_f} _lines REGEX "^#if(def|ndef)? .*CH_PLANTED_[A-Z]+")
  foreach(_l IN LISTS _lines)
    string(REGEX MATCH "CH_PLANTED_[A-Z]+" _m "${_l}")
    list(APPEND _known ${_m})
    string(REPLACE "${SOURCE_DIR}/" "" _rel ${_f})
    list(APPEND _files ${_rel})
  endforeach()
endforeach()
list(REMOVE_DUPLICATES _known)
list(REMOVE_DUPLICATES _files)
list(LENGTH _known _n)
if(_n EQUAL 0)
  message(FATAL_ERROR "no #ifdef CH_PLANTED_* in ${SOURCE_DIR}/src: nothing to check against")
endif()

# 1. No compile command defines one (whatever set it: CH_PLANTED_BUGS, CFLAGS, a preset), and
#    the files with planted sites are compiled here at all.
if(NOT EXISTS ${COMPILE_COMMANDS})
  message(FATAL_ERROR "${COMPILE_COMMANDS} missing")
endif()
file(READ ${COMPILE_COMMANDS} _cc)
foreach(_rel IN LISTS _files)
  string(FIND "${_cc}" "${_rel}" _at)
  if(_at EQUAL -1)
    message(FATAL_ERROR "${_rel} (it has planted sites) is not in ${COMPILE_COMMANDS}")
  endif()
endforeach()
string(REGEX MATCHALL "CH_PLANTED_[A-Z_]+" _defined "${_cc}")
if(_defined)
  list(REMOVE_DUPLICATES _defined)
  message(FATAL_ERROR "this build plants bugs: ${_defined} in ${COMPILE_COMMANDS} "
                      "(CH_PLANTED_BUGS is for scripts/planted-bench.sh only)")
endif()

# 2. No library holds the marker cmake/planted.cmake compiles in with them.
foreach(_lib LIB_SHIPPED LIB_SCRIPT LIB_VPIV)
  if(NOT ${_lib})
    continue()
  endif()
  execute_process(COMMAND ${NM} ${${_lib}} OUTPUT_VARIABLE _syms ERROR_VARIABLE _err
                  RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0 OR _syms STREQUAL "")
    message(FATAL_ERROR "nm ${${_lib}} failed (${_rc}): ${_err}")
  endif()
  if(_syms MATCHES "ch_planted_bugs")
    message(FATAL_ERROR "${${_lib}} holds the ch_planted_bugs marker: it has planted bugs")
  endif()
endforeach()
message(STATUS "no planted bug: ${_known} undefined in every compile command, no marker")
