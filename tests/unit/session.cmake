# (issue 6) the fuzz_session and fuzz_piv input decoders (fuzz/finding_session.c, finding_piv.c).
if(TARGET ch_finding_session)
  ch_unit_test(finding_session test_finding_session.c LIBS ch_finding_session)
endif()
# the fuzz_piv input decoder (fuzz/finding_piv.c)
if(TARGET ch_finding_piv)
  ch_unit_test(finding_piv test_finding_piv.c LIBS ch_finding_piv)
endif()
