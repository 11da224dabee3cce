# Compiler and linker flags shared by every target of the project.

add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                    -Wformat=2 -Wundef -fno-common)
if(CH_WERROR)
  add_compile_options(-Werror)
endif()

if(CH_HARDEN AND NOT CH_SANITIZERS AND NOT CH_COVERAGE)
  # _FORTIFY_SOURCE needs optimisation; 3 needs glibc >= 2.34 and gcc >= 12 / clang >= 16,
  # older ones silently fall back to 2.
  add_compile_options(-O2 -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong)
  if(NOT WIN32)
    add_link_options(-Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
  else()
    # mingw-w64 keeps the stack protector and fortify runtime in libssp: link it statically so
    # pivmd.dll depends on system DLLs only.
    add_link_options(-Wl,--dynamicbase -Wl,--nxcompat -Wl,--high-entropy-va -static
                     -fstack-protector-strong)
  endif()
endif()

if(CH_SANITIZERS)
  if("thread" IN_LIST CH_SANITIZERS AND ("address" IN_LIST CH_SANITIZERS OR
                                         "memory" IN_LIST CH_SANITIZERS))
    message(FATAL_ERROR "CH_SANITIZERS: thread cannot be combined with address or memory")
  endif()
  list(JOIN CH_SANITIZERS "," _ch_san)
  add_compile_options(-fsanitize=${_ch_san} -fno-sanitize-recover=all -fno-omit-frame-pointer
                      -g -O1)
  add_link_options(-fsanitize=${_ch_san} -fno-sanitize-recover=all)
  if("undefined" IN_LIST CH_SANITIZERS AND CMAKE_C_COMPILER_ID MATCHES "Clang")
    # Unsigned wrap-around is defined behaviour but in a parser it is always a bug here.
    add_compile_options(-fsanitize=unsigned-integer-overflow,implicit-conversion,nullability
                        -fno-sanitize-recover=unsigned-integer-overflow)
    add_link_options(-fsanitize=unsigned-integer-overflow,implicit-conversion)
  endif()
endif()

if(CH_COVERAGE)
  add_compile_options(-fprofile-instr-generate -fcoverage-mapping -O0 -g)
  add_link_options(-fprofile-instr-generate -fcoverage-mapping)
endif()

if(CH_FUZZ_ENGINE STREQUAL "libfuzzer")
  # Instrument everything; only fuzz targets get the libFuzzer main (fuzz/CMakeLists.txt).
  add_compile_options(-fsanitize=fuzzer-no-link)
  add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
elseif(CH_FUZZ_ENGINE STREQUAL "afl" OR CH_FUZZ_ENGINE STREQUAL "oss-fuzz")
  add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
endif()
