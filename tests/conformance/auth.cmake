# PINs and the admin (management key) against vpiv. The test plays the CSP that holds the
# management key, so it computes responses with OpenSSL (imported in src/vpiv's scope only),
# and sets the card's key with the vpiv tests' raw-APDU helpers.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
ch_conformance_test(auth test_auth.c LIBS ch_vpiv_testutil OpenSSL::Crypto)
