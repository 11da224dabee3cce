# fuzz_apdu: CSP call sequences through the function table, the card scripted
# (docs/fuzzing.md "fuzz_apdu layout"). Included by fuzz/CMakeLists.txt, which builds the target
# for every engine, links ch_finding ch_host pivmd_script, and turns corpora/fuzz_apdu/* and
# corpora/regressions/fuzz_apdu/* into ctest cases.

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
  target_link_libraries(record_apdu_seeds PRIVATE ch_finding ch_trace ch_host pivmd_vpiv ch_vpiv
                                                  ch_fap_model ch_counter_rand ch_label_keys
                                                  ch_mgm_answer)
  target_link_options(record_apdu_seeds PRIVATE -Wl,--wrap=vpiv_process)

  add_test(NAME fuzz-seeds-fresh/fuzz_apdu
           COMMAND ${CMAKE_COMMAND} -DGEN=$<TARGET_FILE:record_apdu_seeds>
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/fuzz_apdu-seeds-rerecorded
                   -DREF=${PROJECT_SOURCE_DIR}/corpora/fuzz_apdu
                   "-DHOW=Re-record: record_apdu_seeds corpora/fuzz_apdu (docs/fuzzing.md)"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/seeds_fresh.cmake)
  set_tests_properties(fuzz-seeds-fresh/fuzz_apdu PROPERTIES LABELS "fuzz-regression")
endif()
