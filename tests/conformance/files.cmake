# The virtual file system, containers, queries and caching (test_files.c); conf_card.c puts
# keys, certificates and objects on the card the way personalisation tools do.
find_package(ZLIB REQUIRED)
pkg_check_modules(CONF_CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
add_library(ch_conf_card STATIC conf_card.c)
target_include_directories(ch_conf_card PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
target_link_libraries(ch_conf_card PUBLIC ch_vpiv_testutil PkgConfig::CONF_CRYPTO ZLIB::ZLIB
                      PkgConfig::CMOCKA)
ch_conformance_test(files test_files.c LIBS ch_conf_card)
