# What makes CI's build of ~200 files on 2 cores shorter without changing what ships.

# Precompiled headers shared by every target of one kind: most of a test's or a panel's compile
# time is parsing the same Qt, JSON and engine headers again;
# one precompiled set per kind, made once and reused (REUSE_FROM), parses them once. A target can
# reuse only a PCH made with its own flags and definitions, so the donor is the first target of
# the kind and the others must be built the same way (each call site says why theirs are).
option(GS_PCH "Share precompiled headers among the tests and among the panels" ON)

# gs_share_pch(TARGET HEADER KIND): the first target of KIND precompiles HEADER and is remembered
# (a global property, so the kind may span folders); later targets of KIND reuse its PCH.
function(gs_share_pch target header kind)
  if(NOT GS_PCH)
    return()
  endif()
  # A test's AUTOMOC mocs_compilation.cpp is empty (the test includes its own .moc), and loading a
  # PCH of a few hundred MB made each of those ~60 empty files cost 5 s instead of nothing. A
  # panel's includes the moc of every QObject header it has, Qt parsed again: it keeps the PCH.
  if(NOT kind STREQUAL "panels")
    set_source_files_properties(${CMAKE_CURRENT_BINARY_DIR}/${target}_autogen/mocs_compilation.cpp
                                PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
  endif()
  get_property(donor GLOBAL PROPERTY GS_PCH_DONOR_${kind})
  if(donor)
    target_precompile_headers(${target} REUSE_FROM ${donor})
  else()
    target_precompile_headers(${target} PRIVATE ${header})
    set_property(GLOBAL PROPERTY GS_PCH_DONOR_${kind} ${target})
  endif()
endfunction()

# Test programs' own code is compiled at -O1: it only drives the engine and the panels, which keep
# the build type's optimization, so the tests still run the code that ships; -O1 compiles the ~50
# test programs about 20% faster. (-O1 comes after the build type's flags, so it wins.)
set(GS_TEST_CODE_OPTIONS -O1 CACHE STRING "Compile options for the test programs' own code")
