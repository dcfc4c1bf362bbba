# Fuzz targets: fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput. Like the
# unit tests they may include src/-private headers (internal helpers).
# - With DNP3C_FUZZ (clang): fuzz_<name> is a libFuzzer binary.
# - Always (when tests are on): replay_<name> links the same target with
#   fuzz/replay_main.c and runs every corpus file as an ordinary test: the
#   committed seeds in fuzz/corpus/<name>/ and those extracted from the shared
#   captures into the build tree (corpus/<name>/) by extract_seeds.
file(GLOB DNP3C_FUZZ_TARGETS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/fuzz/fuzz_*.c)
set(DNP3C_SEEDS_DIR ${PROJECT_BINARY_DIR}/corpus)

if(EXISTS ${PROJECT_SOURCE_DIR}/fuzz/extract_seeds.c)
  add_executable(extract_seeds ${PROJECT_SOURCE_DIR}/fuzz/extract_seeds.c)
  target_link_libraries(extract_seeds PRIVATE dnp3tool)
  target_include_directories(extract_seeds PRIVATE ${PROJECT_SOURCE_DIR}/tools/dnp3)
  add_custom_command(OUTPUT ${DNP3C_SEEDS_DIR}/.stamp
    COMMAND extract_seeds ${DNP3C_CAPTURES} ${DNP3C_SEEDS_DIR}
    COMMAND ${CMAKE_COMMAND} -E touch ${DNP3C_SEEDS_DIR}/.stamp
    DEPENDS extract_seeds
    COMMENT "Extracting fuzz seeds from ${DNP3C_CAPTURES}")
  add_custom_target(fuzz_seeds ALL DEPENDS ${DNP3C_SEEDS_DIR}/.stamp)
endif()

foreach(src ${DNP3C_FUZZ_TARGETS})
  get_filename_component(name ${src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" short ${name})
  if(DNP3C_FUZZ)
    add_executable(${name} ${src})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${name} PRIVATE dnp3tool)
    target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  endif()
  if(DNP3C_TESTS)
    add_executable(replay_${short} ${src} ${PROJECT_SOURCE_DIR}/fuzz/replay_main.c)
    target_link_libraries(replay_${short} PRIVATE dnp3tool)
    target_include_directories(replay_${short} PRIVATE ${PROJECT_SOURCE_DIR}/src)
    add_test(NAME fuzz_replay.${short}
      COMMAND replay_${short} ${PROJECT_SOURCE_DIR}/fuzz/corpus/${short} ${DNP3C_SEEDS_DIR}/${short})
    set_tests_properties(fuzz_replay.${short} PROPERTIES TIMEOUT 600)
  endif()
endforeach()
