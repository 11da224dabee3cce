# fuzz_x509: the certificate public-key parser ch_piv_x509_pubkey (src/piv/piv_x509.c),
# differential against OpenSSL's d2i_X509 / X509_get0_pubkey, with OpenSSL's own TLV reader
# (ASN1_get_object) walking the path our parser reads; agreement rule at the top of
# fuzz/fuzz_x509.c. Pure: no card. OpenSSL libcrypto is linked by this target alone, as the
# oracle (Debian's, not instrumented: fine for ASan/UBSan/libFuzzer/AFL++, not for MSan).
# Seeds: fuzz/seeds/gen_x509_seeds.py.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
list(APPEND CH_FUZZ_TARGETS fuzz_x509)
set(CH_FUZZ_LIBS_fuzz_x509 OpenSSL::Crypto)
