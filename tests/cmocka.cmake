# cmocka and ch_unit_test(), for tests/unit and every test directory after it (also the WIN32
# build of the conformance tests, CH_WINE_TESTS, which has no tests/unit).

find_package(PkgConfig REQUIRED)
if(NOT TARGET PkgConfig::CMOCKA)
  # GLOBAL so ch_unit_test() also works when called from other test directories.
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET GLOBAL cmocka)
endif()

# ch_unit_test(NAME src1.c [src2.c ...] [SOURCES ...] [LIBS lib1 ...])
#   Builds executable unit_<NAME> from the sources, links cmocka and LIBS, and registers
#   the ctest case unit/<NAME> with the label "unit".
function(ch_unit_test NAME)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "SOURCES;LIBS")
  set(_srcs ${ARG_UNPARSED_ARGUMENTS} ${ARG_SOURCES})
  if(NOT _srcs)
    message(FATAL_ERROR "ch_unit_test(${NAME}): no sources")
  endif()
  add_executable(unit_${NAME} ${_srcs})
  target_link_libraries(unit_${NAME} PRIVATE PkgConfig::CMOCKA ${ARG_LIBS})
  add_test(NAME unit/${NAME} COMMAND unit_${NAME})
  set_tests_properties(unit/${NAME} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()
