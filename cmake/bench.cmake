# Benchmarks: bench/bench_<name>.c, each a program printing a table and
# "BENCH <name> <value> <unit> [reference=.. ratio=..]" lines. Never tests.
file(GLOB DNP3C_BENCHES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/bench/bench_*.c)
set(DNP3C_BENCH_TARGETS "")
foreach(src ${DNP3C_BENCHES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(${name} ${src})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PRIVATE dnp3tool)
  list(APPEND DNP3C_BENCH_TARGETS ${name})
endforeach()
add_custom_target(bench_all DEPENDS ${DNP3C_BENCH_TARGETS})

# examples/*.c: small programs written against the public API only.
file(GLOB DNP3C_EXAMPLES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/examples/*.c)
foreach(src ${DNP3C_EXAMPLES})
  get_filename_component(name ${src} NAME_WE)
  add_executable(example_${name} ${src})
  target_link_libraries(example_${name} PRIVATE dnp3c)
endforeach()

# bench_legs' tracer: loaded into bench_latency's processes with LD_PRELOAD
# (a module, never linked into anything).
add_library(legs_preload MODULE ${PROJECT_SOURCE_DIR}/bench/legs_preload.c)
set_target_properties(legs_preload PROPERTIES PREFIX "" LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR})
target_link_libraries(legs_preload PRIVATE ${CMAKE_DL_LIBS})
add_dependencies(bench_legs legs_preload bench_latency)
