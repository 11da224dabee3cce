# (issue 4) certificates and public keys: certificate objects, X.509 public keys, YubiKey
# GET METADATA, CONTAINER_INFO key blobs. OpenSSL and zlib make the test data (independent
# encoders); the module itself links neither.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
find_package(ZLIB REQUIRED)

ch_unit_test(piv_cert test_piv_cert.c LIBS pivmd_script ZLIB::ZLIB)
ch_unit_test(piv_x509 test_piv_x509.c tlv_buf.c LIBS pivmd_script OpenSSL::Crypto)
ch_unit_test(piv_metadata test_piv_metadata.c tlv_buf.c LIBS pivmd_script)
ch_unit_test(md_pubkey test_md_pubkey.c LIBS pivmd_script ch_host OpenSSL::Crypto)
foreach(_t unit_piv_x509 unit_md_pubkey)
  target_compile_definitions(${_t} PRIVATE OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
endforeach()
if(CH_VPIV)
  # The same command against the card under test (ch_vpiv_testutil lives in tests/vpiv).
  ch_unit_test(piv_metadata_vpiv test_piv_metadata_vpiv.c
    LIBS pivmd_vpiv ch_vpiv_testutil OpenSSL::Crypto)
  target_compile_definitions(unit_piv_metadata_vpiv PRIVATE OPENSSL_API_COMPAT=30000
    OPENSSL_NO_DEPRECATED)
  set_tests_properties(unit/piv_metadata_vpiv PROPERTIES LABELS "unit;vpiv")
endif()
