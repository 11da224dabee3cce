# The card module's file system against malicious scripted answers.
find_package(ZLIB REQUIRED)
ch_unit_test(md_malicious test_md_malicious.c LIBS pivmd_script ch_host ZLIB::ZLIB)
