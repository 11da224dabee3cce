# (issue 5) The write and crypto half against vpiv, every result checked with OpenSSL:
# containers imported, generated and deleted (test_keys.c), signing, decryption and ECDH with
# the KDFs (test_crypto.c), file writes and freshness (test_write.c). conf_keys.c is the CSP
# side they share (blobs, logons, OpenSSL verification, APDUs counted by instruction); keys and
# certificates put by personalisation tools come from ch_conf_card (files.cmake).
find_package(OpenSSL REQUIRED)
add_library(ch_conf_keys STATIC conf_keys.c)
target_include_directories(ch_conf_keys PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(ch_conf_keys PUBLIC ch_conf ch_conf_card OpenSSL::Crypto)
ch_conformance_test(keys test_keys.c LIBS ch_conf_keys)
ch_conformance_test(crypto test_crypto.c LIBS ch_conf_keys)
ch_conformance_test(write test_write.c LIBS ch_conf_keys)
# RSA-4096 keys are generated (host and card) and checked: more than the default two minutes
# under the sanitizers.
set_tests_properties(unit/conformance_keys unit/conformance_crypto PROPERTIES TIMEOUT 300)
