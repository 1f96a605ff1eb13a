# The git revision recorded in every run file (reproducibility). Taken at configure time.
execute_process(
  COMMAND git describe --always --dirty --abbrev=12
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
  OUTPUT_VARIABLE PARAFLOW_GIT_REVISION
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT PARAFLOW_GIT_REVISION)
  set(PARAFLOW_GIT_REVISION "unknown")
endif()
