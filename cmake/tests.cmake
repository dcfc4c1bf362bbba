# Unit tests: tests/unit/test_<module>.c, cmocka, one program each.
pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_package(Python3 COMPONENTS Interpreter)

file(GLOB DNP3C_UNIT_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/test_*.c)
file(GLOB DNP3C_TEST_SUPPORT CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/support/*.c)
if(DNP3C_TEST_SUPPORT)
  add_library(dnp3test STATIC ${DNP3C_TEST_SUPPORT})
  target_include_directories(dnp3test PUBLIC ${PROJECT_SOURCE_DIR}/tests/support)
  target_link_libraries(dnp3test PUBLIC dnp3tool PkgConfig::CMOCKA)
  set(DNP3C_TEST_SUPPORT_LIB dnp3test)
endif()

foreach(src ${DNP3C_UNIT_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests/support)
  target_link_libraries(${name} PRIVATE ${DNP3C_TEST_SUPPORT_LIB} dnp3tool PkgConfig::CMOCKA)
  add_test(NAME unit.${name} COMMAND ${name})
  set_tests_properties(unit.${name} PROPERTIES
    ENVIRONMENT "DNP3C_CAPTURES=${DNP3C_CAPTURES};DNP3_BIN=$<TARGET_FILE:dnp3>"
    SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()

# End-to-end helpers (tests/e2e/*.c) are programs the e2e scripts run.
file(GLOB DNP3C_E2E_PROGRAMS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/e2e/*.c)
foreach(src ${DNP3C_E2E_PROGRAMS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE dnp3tool)
endforeach()

# End-to-end tests: tests/e2e/test_*.py, run with the built programs in the
# environment. Exit code 77 means "skipped" and the script says why.
file(GLOB DNP3C_E2E_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/e2e/test_*.py)
foreach(src ${DNP3C_E2E_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_test(NAME e2e.${name} COMMAND ${Python3_EXECUTABLE} ${src})
  set_tests_properties(e2e.${name} PROPERTIES
    ENVIRONMENT "DNP3C_CAPTURES=${DNP3C_CAPTURES};DNP3_BIN=$<TARGET_FILE:dnp3>;DNP3C_BUILD=${PROJECT_BINARY_DIR}"
    SKIP_RETURN_CODE 77 TIMEOUT 600)
endforeach()
# Floods and limits (issue 9): each runs well under 90 s; a hang fails early.
foreach(name test_flood test_slow_peers test_master_unreliable test_reassembly_timeout)
  if(TEST e2e.${name})
    set_tests_properties(e2e.${name} PROPERTIES TIMEOUT 150)
  endif()
endforeach()
# Silence diagnostics: about 10 s.
if(TEST e2e.test_silent_outstation)
  set_tests_properties(e2e.test_silent_outstation PROPERTIES TIMEOUT 60)
endif()
# The no-loss runs (issue 9) take 15-60 s each; a hang must not cost 10 minutes.
foreach(name test_noloss_cuts test_noloss_flips test_noloss_restart test_noloss_overflow)
  if(TEST e2e.${name})
    set_tests_properties(e2e.${name} PROPERTIES TIMEOUT 240)
  endif()
endforeach()

# Scenario tests: tests/scenario/test_*.c, cmocka, exact request bytes in and
# response bytes out of a sans-IO core (the harness is in tests/support).
file(GLOB DNP3C_SCENARIO_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/scenario/test_*.c)
foreach(src ${DNP3C_SCENARIO_TESTS})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests/support)
  target_link_libraries(${name} PRIVATE ${DNP3C_TEST_SUPPORT_LIB} dnp3tool PkgConfig::CMOCKA)
  add_test(NAME scenario.${name} COMMAND ${name})
  set_tests_properties(scenario.${name} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)
endforeach()
