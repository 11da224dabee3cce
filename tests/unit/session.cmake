# (issue 6) the fuzz_session input decoder and encoder (fuzz/finding_session.c).
if(TARGET ch_finding_session)
  ch_unit_test(finding_session test_finding_session.c LIBS ch_finding_session)
endif()
