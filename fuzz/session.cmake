# (issue 6) fuzz_session: stateful CSP sessions against in-process vpiv (fuzz/fuzz_session.c).
# Included by fuzz/CMakeLists.txt, which builds the target for every engine and turns
# corpora/fuzz_session/* and corpora/regressions/fuzz_session/* into ctest cases.

# The input decoder, shared with mdreplay (DESIGN.md "One finding format"): pure, no OpenSSL.
add_library(ch_finding_session STATIC ${CMAKE_CURRENT_SOURCE_DIR}/finding_session.c)
target_include_directories(ch_finding_session PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(ch_finding_session PUBLIC ch_finding ch_util)

# The seed generator: the encoder over a table of named sessions. A tool, built with the
# standalone engine only (dev / asan / coverage presets).
if(CH_FUZZ_ENGINE STREQUAL "standalone")
  add_executable(gen_session_seeds ${CMAKE_CURRENT_SOURCE_DIR}/seeds/gen_session_seeds.c)
  target_link_libraries(gen_session_seeds PRIVATE ch_finding_session)
  add_test(NAME fuzz-seeds-fresh/fuzz_session
           COMMAND ${CMAKE_COMMAND} -DGEN=$<TARGET_FILE:gen_session_seeds>
                   -DOUT=${CMAKE_CURRENT_BINARY_DIR}/fuzz_session-seeds-regenerated
                   -DREF=${PROJECT_SOURCE_DIR}/corpora/fuzz_session
                   "-DHOW=Regenerate: gen_session_seeds corpora/fuzz_session"
                   -P ${CMAKE_CURRENT_SOURCE_DIR}/seeds_fresh.cmake)
  set_tests_properties(fuzz-seeds-fresh/fuzz_session PROPERTIES LABELS "fuzz-regression")
endif()

# The target: the core with the vpiv transport, the card (ch_vpiv), OpenSSL as the oracle
# (signatures, ciphertexts, ECDH, certificates), the counter DRBG; BN_check_prime (vpiv's prime
# tests) and ch_ec_public_matches (the module's d*G check of EC blobs) wrapped to remember
# their answers: the sessions import the same few keys again and again.
if(CH_VPIV AND TARGET pivmd_vpiv AND TARGET ch_counter_rand)
  find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
  list(APPEND CH_FUZZ_TARGETS fuzz_session)
  set(CH_FUZZ_CORE_fuzz_session pivmd_vpiv)
  set(CH_FUZZ_LIBS_fuzz_session ch_finding_session ch_card_state ch_label_keys ch_mgm_answer
                                ch_vpiv ch_counter_rand OpenSSL::Crypto -Wl,--wrap=BN_check_prime
                                -Wl,--wrap=ch_ec_public_matches)
endif()
# (end of fuzz_session)
