# Fails if any object file of OBJECTS ('|'-separated) defines writable data: nm class D d
# (initialised data) or B b (bss, thread-local bss included), which is where a global, a
# file-scope static or a function's static lives. Read-only tables are R r, code T t.
#
# Documented exceptions, by section, each with its reason:
#   .data.rel.ro*   const tables holding pointers (a string per entry, a function per entry):
#                   nm shows them as d because the dynamic loader writes the relocations, but
#                   they are const in C and read-only after relocation (RELRO).
# And by name:
#   __unnamed_<n>   in .data, in asan and fuzz builds only: AddressSanitizer's descriptor array
#                   of the object's globals (it registers them at start-up to guard the const
#                   tables with redzones).
#   __sancov_gen_*  in .data, in fuzz builds only: libFuzzer's sanitizer coverage (the case
#                   values of each switch, for -use_value_profile).
#   Both are instrumentation, never in a shipped build; a C name starting with __ is reserved
#   to the implementation, so no code of ours uses one. (Clang's source-based coverage
#   counters and UBSan's source locations have no symbol of these classes: nothing to exempt.)
# Allowed writable symbols of our own: none.
cmake_minimum_required(VERSION 3.23) # IN_LIST
set(allowed_names "")
set(allowed_sections "^\\.data\\.rel\\.ro(\\..*)?$")
set(instrumentation "^(__unnamed_[0-9]+|__sancov_gen_.*)$")

if(NOT NM)
  set(NM nm)
endif()
string(REPLACE "|" ";" objects "${OBJECTS}")
list(LENGTH objects n_objects)
if(n_objects LESS 2)
  message(FATAL_ERROR "no-global-state: no object files given ('${OBJECTS}')")
endif()

set(found "")
set(checked 0)
set(exempt 0)
foreach(obj IN LISTS objects)
  if(NOT EXISTS "${obj}")
    message(FATAL_ERROR "no-global-state: ${obj} does not exist (build pivmd first)")
  endif()
  # System V format: name|value|class|type|size|line|section, one symbol a line.
  execute_process(COMMAND ${NM} --format=sysv --defined-only "${obj}" OUTPUT_VARIABLE out
                  RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "no-global-state: ${NM} failed on ${obj}: ${err}")
  endif()
  math(EXPR checked "${checked} + 1")
  string(REGEX MATCHALL "[^\n]+" lines "${out}")
  foreach(l IN LISTS lines)
    if(NOT l MATCHES "^([^|]+)\\|[^|]*\\| *([DdBb]) *\\|[^|]*\\|[^|]*\\|[^|]*\\| *(.*)$")
      continue()
    endif()
    string(STRIP "${CMAKE_MATCH_1}" name)
    set(class "${CMAKE_MATCH_2}")
    string(STRIP "${CMAKE_MATCH_3}" section)
    if(section MATCHES "${allowed_sections}" OR name IN_LIST allowed_names OR
       (section STREQUAL ".data" AND name MATCHES "${instrumentation}"))
      math(EXPR exempt "${exempt} + 1")
      continue()
    endif()
    get_filename_component(base "${obj}" NAME)
    list(APPEND found "  ${base}: ${class} ${name} (section ${section})")
  endforeach()
endforeach()

if(found)
  list(JOIN found "\n" report)
  message(FATAL_ERROR "no-global-state: writable data in the shipped library's objects "
                      "(a context must hold all the module's state):\n${report}")
endif()
message(STATUS "no-global-state: ${checked} object files, no writable global or static data "
               "(${exempt} const pointer tables or instrumentation symbols exempt)")
