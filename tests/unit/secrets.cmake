# (issue 8) Secret hygiene: every path that handles a PIN, PUK, admin challenge or response,
# private key, plaintext or ECDH secret, driven against vpiv with the host allocator scanning
# every block the module frees (src/host/host.h, "secret residue"). The CSP side (keys,
# blobs, Z, KDF outputs) comes from the conformance helpers (tests/conformance/conf_keys.c).
if(CH_VPIV)
  find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
  ch_unit_test(secret_residue ${CMAKE_CURRENT_LIST_DIR}/test_secret_residue.c
    LIBS ch_conf_keys ch_vpiv_testutil OpenSSL::Crypto)
  # Labelled like the conformance tests (it drives the API against vpiv); every call runs
  # under each allocation failure and each card fault: minutes under the sanitizers.
  set_tests_properties(unit/secret_residue PROPERTIES LABELS "unit;conformance;secrets"
                       TIMEOUT 600)
endif()
