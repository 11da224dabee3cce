# (issue 5) the gzip writer (src/util/deflate.c). Its output is read back by two independent
# decoders, src/util/inflate.c and zlib; zlib also gives the CRC-32 and the ratio yardstick,
# OpenSSL makes a real certificate. ch_util itself links neither.
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
find_package(ZLIB REQUIRED)

ch_unit_test(deflate test_deflate.c LIBS ch_util ZLIB::ZLIB OpenSSL::Crypto)
target_compile_definitions(unit_deflate PRIVATE OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED)
