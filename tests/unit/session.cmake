# (issue 6) the fuzz_session input decoder (fuzz/finding_session.c).
