# unit/apdu_names: the names `mdreplay show` prints for C-APDUs, R-APDUs and status words
# (replay/apdu_names.c), including a fixed-seed loop over random bytes (run it under asan).
ch_unit_test(apdu_names ${CMAKE_CURRENT_LIST_DIR}/test_apdu_names.c LIBS ch_replay)
