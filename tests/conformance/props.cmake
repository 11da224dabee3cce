# (issue 4) Card and container properties: CardGet/SetProperty, CardGet/SetContainerProperty
# (test_props.c). Keys, certificates and a CHUID are put on the card with ch_conf_card
# (files.cmake, included before this snippet).
ch_conformance_test(props test_props.c LIBS ch_conf_card)
