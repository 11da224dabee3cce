# Cross build of pivmd.dll with Debian's gcc-mingw-w64-x86-64.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32)
# A prefix of libraries cross-built elsewhere (scripts/wine-conformance.sh: OpenSSL, cmocka,
# zlib for CH_WINE_TESTS), searched before Debian's mingw-w64 files.
if(CH_MINGW_PREFIX)
  list(PREPEND CMAKE_FIND_ROOT_PATH ${CH_MINGW_PREFIX})
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
