# (issue 5) writes, key generation and import, private-key operations of the PIV edge: exact
# commands and every malformed answer over the script transport, then the same functions
# against vpiv with OpenSSL as the oracle (keys made by OpenSSL, every result verified by it).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)

ch_unit_test(piv_keys test_piv_keys.c tlv_buf.c LIBS pivmd_script)
if(CH_VPIV)
  find_package(ZLIB REQUIRED)
  ch_unit_test(piv_keys_vpiv test_piv_keys_vpiv.c
    LIBS pivmd_vpiv ch_vpiv_testutil OpenSSL::Crypto ZLIB::ZLIB)
  target_compile_definitions(unit_piv_keys_vpiv PRIVATE OPENSSL_API_COMPAT=30000
    OPENSSL_NO_DEPRECATED)
  set_tests_properties(unit/piv_keys_vpiv PROPERTIES LABELS "unit;vpiv")
endif()

# (issue 6) the vpiv transport's fault plan: what fuzz_session and fuzz_keyblob inject.
if(CH_VPIV)
  ch_unit_test(vpiv_link test_vpiv_link.c LIBS pivmd_vpiv)
  set_tests_properties(unit/vpiv_link PROPERTIES LABELS "unit;vpiv")
endif()
