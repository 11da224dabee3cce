# (issue 7) unit tests of ch_replay's classifier and JSON/SARIF writers, and the check that
# mdreplay's stack hash is campaign.sh's (hash-agrees.sh over the fixtures in data/).
set(_rp_data ${CMAKE_CURRENT_SOURCE_DIR}/data)

ch_unit_test(report ${CMAKE_CURRENT_SOURCE_DIR}/test_report.c LIBS ch_replay ch_util)
target_compile_definitions(unit_report PRIVATE CH_RP_DATA_DIR="${_rp_data}")

find_program(CH_JQ jq)
ch_unit_test(json ${CMAKE_CURRENT_SOURCE_DIR}/test_json.c LIBS ch_replay)
ch_unit_test(sarif ${CMAKE_CURRENT_SOURCE_DIR}/test_sarif.c LIBS ch_replay)
target_compile_definitions(unit_sarif PRIVATE CH_RP_DATA_DIR="${_rp_data}")
if(CH_JQ)
  # Without jq the JSON and SARIF outputs are only compared as text: the tests skip the
  # parse checks (reported as skipped, not passed).
  target_compile_definitions(unit_json PRIVATE CH_JQ="${CH_JQ}")
  target_compile_definitions(unit_sarif PRIVATE CH_JQ="${CH_JQ}")
endif()

add_executable(rp_hash ${CMAKE_CURRENT_SOURCE_DIR}/rp_hash.c)
target_link_libraries(rp_hash PRIVATE ch_replay)
add_test(NAME replay/hash-agrees
         COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/hash-agrees.sh
                 ${PROJECT_SOURCE_DIR}/scripts/campaign.sh $<TARGET_FILE:rp_hash> ${_rp_data})
set_tests_properties(replay/hash-agrees PROPERTIES LABELS unit TIMEOUT 120)

# (issue 7) mdreplay card's command guard and the user's management key.
ch_unit_test(replay_guard ${CMAKE_CURRENT_SOURCE_DIR}/test_guard.c LIBS ch_replay_guard)
