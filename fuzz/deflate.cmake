# (issue 5) fuzz_deflate: the gzip writer (src/util/deflate.c) read back by zlib and by
# src/util/inflate.c, at any output bound (layout and oracle at the top of fuzz_deflate.c).
# zlib is linked by this target alone, as the oracle.
find_package(ZLIB REQUIRED)
list(APPEND CH_FUZZ_TARGETS fuzz_deflate)
set(CH_FUZZ_LIBS_fuzz_deflate ZLIB::ZLIB)
