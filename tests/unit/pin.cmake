# PIN, PUK and management-key commands of the PIV edge, over the script transport.
ch_unit_test(piv_pin test_piv_pin.c LIBS pivmd_script)
