# fuzz_apdu: CSP call sequences through the function table, the card scripted
# (docs/fuzzing.md "fuzz_apdu layout"). Included by fuzz/CMakeLists.txt, which builds the target
# for every engine, links ch_finding ch_host pivmd_script, and turns corpora/fuzz_apdu/* and
# corpora/regressions/fuzz_apdu/* into ctest cases.
#
# This file is also a cmake -P script (the seed freshness test below runs it so): with
# CH_APDU_SEED_CHECK set it re-records the seeds into OUT and compares them with REF.
if(CMAKE_SCRIPT_MODE_FILE)
  if(NOT CH_APDU_SEED_CHECK)
    message(FATAL_ERROR
            "apdu.cmake as a script needs -DCH_APDU_SEED_CHECK=1 -DRECORDER= -DOUT= -DREF=")
  endif()
  file(REMOVE_RECURSE ${OUT})
  file(MAKE_DIRECTORY ${OUT})
  execute_process(COMMAND ${RECORDER} ${OUT} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "record_apdu_seeds failed: ${_rc}")
  endif()
  file(GLOB _new RELATIVE ${OUT} ${OUT}/*)
  file(GLOB _old RELATIVE ${REF} ${REF}/*)
  list(SORT _new)
  list(SORT _old)
  if(NOT _new STREQUAL _old)
    message(FATAL_ERROR "corpora/fuzz_apdu is stale: recorded [${_new}], committed [${_old}]. "
                        "Re-record: record_apdu_seeds corpora/fuzz_apdu (docs/fuzzing.md)")
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
    message(FATAL_ERROR "corpora/fuzz_apdu is stale, these seeds record differently now: "
                        "${_stale}. Re-record: record_apdu_seeds corpora/fuzz_apdu "
                        "(docs/fuzzing.md)")
  endif()
  list(LENGTH _new _n)
  message(STATUS "${_n} seeds of corpora/fuzz_apdu re-recorded byte for byte")
  return()
endif()

list(APPEND CH_FUZZ_TARGETS fuzz_apdu)

# The oracle's independent models of the key entry points (apdu_model.c): key blobs, ECDH peer
# keys and KDF parameters, with OpenSSL's BIGNUMs and curves as the arithmetic (the module's own
# bignum and curve code is what is under test). OpenSSL is an oracle here, never in src/.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
add_library(ch_fap_model STATIC ${CMAKE_CURRENT_SOURCE_DIR}/apdu_model.c)
target_include_directories(ch_fap_model PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(ch_fap_model PUBLIC ch_cardmod OpenSSL::Crypto)
set(CH_FUZZ_LIBS_fuzz_apdu ch_fap_model)

# The seed recorder: scenarios of CSP calls against an in-process vpiv card (the same core with
# the vpiv transport), every R-APDU the module receives recorded through --wrap=vpiv_process.
# Built with the standalone engine only (the dev / asan / coverage presets): it is a tool, not a
# fuzz target, and links OpenSSL through ch_vpiv.
if(CH_VPIV AND TARGET pivmd_vpiv AND CH_FUZZ_ENGINE STREQUAL "standalone")
  add_executable(record_apdu_seeds ${CMAKE_CURRENT_SOURCE_DIR}/seeds/record_apdu_seeds.c)
  target_link_libraries(record_apdu_seeds PRIVATE ch_finding ch_host pivmd_vpiv ch_vpiv
                                                  ch_fap_model ch_counter_rand)
  target_link_options(record_apdu_seeds PRIVATE -Wl,--wrap=vpiv_process)

  add_test(NAME fuzz-seeds-fresh/fuzz_apdu
           COMMAND ${CMAKE_COMMAND} -DCH_APDU_SEED_CHECK=1
                   -DRECORDER=$<TARGET_FILE:record_apdu_seeds>
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/fuzz_apdu-seeds-rerecorded
                   -DREF=${PROJECT_SOURCE_DIR}/corpora/fuzz_apdu
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/apdu.cmake)
  set_tests_properties(fuzz-seeds-fresh/fuzz_apdu PROPERTIES LABELS "fuzz-regression")
endif()
