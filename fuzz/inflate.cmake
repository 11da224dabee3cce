# (issue 4) fuzz_inflate: the bounded DEFLATE decoder, differential against zlib (layout and
# agreement rule at the top of fuzz_inflate.c). zlib is linked by this target alone.
find_package(ZLIB REQUIRED)
list(APPEND CH_FUZZ_TARGETS fuzz_inflate)
set(CH_FUZZ_LIBS_fuzz_inflate ZLIB::ZLIB)
