# Writes ${OUTPUT} with the current git revision; run at every build so run files never carry a
# stale revision. Rewrites the file only when the revision changed.
execute_process(
  COMMAND git describe --always --dirty --abbrev=12
  WORKING_DIRECTORY ${SOURCE_DIR}
  OUTPUT_VARIABLE revision
  OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
if(NOT revision)
  set(revision "unknown")
endif()
set(content "#include \"paraflow/core/version.hpp\"\nnamespace paraflow {\nstd::string version() { return \"${VERSION}\"; }\nstd::string git_revision() { return \"${revision}\"; }\n}  // namespace paraflow\n")
if(EXISTS ${OUTPUT})
  file(READ ${OUTPUT} old)
endif()
if(NOT "${old}" STREQUAL "${content}")
  file(WRITE ${OUTPUT} "${content}")
endif()
