# (issue 4) the bounded DEFLATE decoder (src/util/inflate.c). zlib is the test oracle only:
# it makes the compressed data and judges the hand-made streams; ch_util itself links nothing.
find_package(ZLIB REQUIRED)

ch_unit_test(inflate test_inflate.c LIBS ch_util ZLIB::ZLIB)
