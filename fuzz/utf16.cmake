# (issue 6) fuzz_utf16: the bounded UTF-16 helpers (src/util/utf16.c) against a reference
# written from the Unicode standard's table of well-formed UTF-8 (layout at the top of
# fuzz_utf16.c). Pure: no card, no allocation by the code under test.
list(APPEND CH_FUZZ_TARGETS fuzz_utf16)
