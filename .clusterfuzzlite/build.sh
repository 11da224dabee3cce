#!/bin/bash -eu
# The whole build is fuzz/oss-fuzz/build.sh in the repository; OSS-Fuzz's
# projects/cardhammer/build.sh is this same file.
bash -eu "$SRC/cardhammer/fuzz/oss-fuzz/build.sh"
