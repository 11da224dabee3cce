# (issue 5) key blobs for key import (src/md/md_keyblob.c) and the bignum / EC checks under
# them (src/util/bn.c, src/util/ecpoint.c). OpenSSL is the oracle: it makes the keys, writes
# the MSBLOBs, and judges every number and point; the module itself links none of it.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)

ch_unit_test(keyblob test_keyblob.c keyblob_oracle.c LIBS pivmd_script OpenSSL::Crypto)
ch_unit_test(ecpoint test_ecpoint.c keyblob_oracle.c LIBS ch_util OpenSSL::Crypto)
foreach(_t unit_keyblob unit_ecpoint)
  target_compile_definitions(${_t} PRIVATE OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
endforeach()
