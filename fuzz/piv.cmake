# fuzz_piv: one call of the PIV card edge (src/piv/piv.h) per input against scripted card
# answers (fuzz/fuzz_piv.c; layout in fuzz/finding_piv.h and docs/fuzzing.md "fuzz_piv
# layout"). Included by fuzz/CMakeLists.txt, which builds the target for every engine and turns
# corpora/fuzz_piv/*, corpora/found/fuzz_piv/* and corpora/regressions/fuzz_piv/* into ctests.

# The input decoder, shared with mdreplay (DESIGN.md "One finding format"): pure, no OpenSSL.
add_library(ch_finding_piv STATIC ${CMAKE_CURRENT_SOURCE_DIR}/finding_piv.c)
target_include_directories(ch_finding_piv PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(ch_finding_piv PUBLIC ch_finding ch_util)

# The seed generator: fixed answers as a YubiKey / vpiv gives them, written through an encoder
# of the layout. A tool, built with the standalone engine only (dev / asan / coverage presets).
if(CH_FUZZ_ENGINE STREQUAL "standalone")
  add_executable(gen_piv_seeds ${CMAKE_CURRENT_SOURCE_DIR}/seeds/gen_piv_seeds.c)
  target_link_libraries(gen_piv_seeds PRIVATE ch_finding_piv ch_util)
  add_test(NAME fuzz-seeds-fresh/fuzz_piv
           COMMAND ${CMAKE_COMMAND} -DGEN=$<TARGET_FILE:gen_piv_seeds>
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/fuzz_piv-seeds-regenerated
                   -DREF=${PROJECT_SOURCE_DIR}/corpora/fuzz_piv
                   "-DHOW=Regenerate: gen_piv_seeds corpora/fuzz_piv"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/seeds_fresh.cmake)
  set_tests_properties(fuzz-seeds-fresh/fuzz_piv PROPERTIES LABELS "fuzz-regression")
endif()

# The target: the core with the script transport (the default), the decoder, OpenSSL as the
# oracle of ecdsa_der_to_rs (Debian's libcrypto, not instrumented: fine for ASan/UBSan/
# libFuzzer/AFL++), and ch_apdu_transmit wrapped so that the harness sees every command the
# card edge hands to the exchange and what the exchange returned.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
list(APPEND CH_FUZZ_TARGETS fuzz_piv)
set(CH_FUZZ_LIBS_fuzz_piv ch_finding_piv OpenSSL::Crypto -Wl,--wrap=ch_apdu_transmit)
# (end of fuzz_piv)
