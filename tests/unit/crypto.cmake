# (issue 5) hashes and RSA padding: SHA-1/256/384/512 and HMAC (src/util/sha.c), EMSA-PKCS1-v1_5
# and the constant-time PKCS#1 v1.5 / OAEP decoders (src/md/md_pad.c). OpenSSL is the oracle
# (digests, HMAC, real signatures, RSA_padding_* blocks); the module itself links none of it.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)

ch_unit_test(sha test_sha.c LIBS ch_util OpenSSL::Crypto)
ch_unit_test(pad test_pad.c LIBS pivmd_script OpenSSL::Crypto)
