# The Debian package gradient-studio_VERSION_amd64.deb (scripts/package runs cpack in the build tree).
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gradient-studio)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "Gradient Studio")
set(CPACK_PACKAGE_CONTACT "Gradient Studio maintainers <maintainers@users.noreply.h-seed-82a76941.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "differentiable programming studio, the JAX way in C++")
# Debian's long description (the synopsis above is its first line): CPack indents each line by one
# space; "." alone is an empty line between paragraphs.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Gradient Studio is a desktop program and a command line for learning and doing
differentiable programming the way JAX, Flax and Optax do it: grad, jvp, vjp,
vmap and jit over a small C++ engine, models built by clicking, trained live,
and every run kept in a SQLite database to compare.
.
The package holds the studio (gradient-studio), the command line
(gradient-cli), and the engine as a shared library with its headers and a CMake
package (find_package(GradientEngine)).")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # gradient-studio_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A shlibs file for libgradient-engine.so.0.1, so other packages' shlibdeps can depend on this one.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "dataset-fashion-mnist")
# What another project needs to build against the installed engine (packaging/README.md).
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "nlohmann-json3-dev, cmake, g++")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The engine is a shared library in the linker's path: dpkg runs ldconfig after installing it
# (CPack also writes postinst/postrm calling ldconfig; lintian warns, maintscript-calls-ldconfig).
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/triggers)
include(CPack)
