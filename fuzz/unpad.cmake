# (issue 5) fuzz_unpad: the constant-time PKCS#1 v1.5 and OAEP decoders (src/md/md_pad.c) and the
# hashes and HMAC under them (src/util/sha.c), differential against OpenSSL (layout and oracle
# at the top of fuzz_unpad.c). OpenSSL libcrypto is linked by this target alone, as the oracle.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
list(APPEND CH_FUZZ_TARGETS fuzz_unpad)
# The digest table it shares with the unit tests (tests/unit/hash_evp.h).
add_library(ch_hash_evp INTERFACE)
target_include_directories(ch_hash_evp INTERFACE ${PROJECT_SOURCE_DIR}/tests/unit)
target_link_libraries(ch_hash_evp INTERFACE OpenSSL::Crypto)
set(CH_FUZZ_LIBS_fuzz_unpad ch_hash_evp)

# The seed generator (fuzz/seeds/gen_unpad_seeds.c): valid blocks made by OpenSSL with a fixed
# random stream, and near misses. A tool, built with the standalone engine only; the ctest
# regenerates the seeds and compares them with corpora/fuzz_unpad byte for byte.
if(CH_FUZZ_ENGINE STREQUAL "standalone")
  add_executable(gen_unpad_seeds ${CMAKE_CURRENT_SOURCE_DIR}/seeds/gen_unpad_seeds.c)
  target_link_libraries(gen_unpad_seeds PRIVATE OpenSSL::Crypto)
  add_test(NAME fuzz-seeds-fresh/fuzz_unpad
           COMMAND gen_unpad_seeds --check ${PROJECT_SOURCE_DIR}/corpora/fuzz_unpad)
  set_tests_properties(fuzz-seeds-fresh/fuzz_unpad PROPERTIES LABELS "fuzz-regression")
endif()
