# (issue 5) key blobs for key import.
#
# fuzz_keyblob_diff: src/md/md_keyblob.c differential against OpenSSL's MSBLOB reader
# (b2i_PrivateKey) and its EC_POINT checks; layout and agreement rule at the top of
# fuzz_keyblob_diff.c. OpenSSL is linked by this target alone (Debian's libcrypto, not
# instrumented: fine for ASan/UBSan/libFuzzer/AFL++, not for MSan).
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
list(APPEND CH_FUZZ_TARGETS fuzz_keyblob_diff)
set(CH_FUZZ_LIBS_fuzz_keyblob_diff OpenSSL::Crypto)
# (end of fuzz_keyblob_diff)

# fuzz_keyblob: CardCreateContainerEx KEY_IMPORT through the function table on an in-process vpiv
# card (the core with the vpiv transport), the blob and the parameters from the input (layout
# and oracle at the top of fuzz/fuzz_keyblob.c; seeds from fuzz/seeds/gen_keyblob_call_seeds.py).
# OpenSSL through ch_vpiv (the card) and for the oracle. BN_check_prime is wrapped: the harness
# and vpiv share remembered prime tests.
if(CH_VPIV AND TARGET pivmd_vpiv)
  find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
  list(APPEND CH_FUZZ_TARGETS fuzz_keyblob)
  set(CH_FUZZ_CORE_fuzz_keyblob pivmd_vpiv)
  set(CH_FUZZ_LIBS_fuzz_keyblob ch_card_state ch_mgm_answer ch_vpiv OpenSSL::Crypto
                              -Wl,--wrap=BN_check_prime)
endif()
# (end of fuzz_keyblob)
