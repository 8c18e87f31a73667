# shellcheck shell=bash
# Shared by scripts/test, scripts/run and scripts/bench (sourced, not run): the repository root,
# the job count, and one configure+build step so all three build the same way.

GS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
GS_JOBS=${JOBS:-$(nproc)}

# nvcc lives outside PATH on the CUDA machines; appended (not prepended) so it never shadows
# anything, and only so CMake's CUDA detection can see it.
if [[ -x /usr/local/cuda/bin/nvcc && ":$PATH:" != *":/usr/local/cuda/bin:"* ]]; then
  PATH=$PATH:/usr/local/cuda/bin
fi

# gs_build DIR BUILD_TYPE [CMAKE_ARGS...]: configure DIR with Ninja (ccache if installed) and build
# it with all cores (or only $GS_BUILD_TARGET). CMake's chatter goes to DIR/configure.log; ninja
# shows only compiler output.
gs_build() {
  local dir=$1 type=$2
  shift 2
  local args=(-S "$GS_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type")
  if command -v ccache >/dev/null 2>&1; then
    args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
    # What ccache needs to cache files compiled with a precompiled header (cmake/build_speed.cmake).
    export CCACHE_SLOPPINESS=${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}
  fi
  mkdir -p "$dir"
  local log=$dir/configure.log start=$SECONDS
  echo "configure: $dir ($type${*:+, $*})"
  if ! cmake "${args[@]}" "$@" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "configure failed: full log in $log" >&2
    exit 1
  fi
  local warnings
  warnings=$(grep -c '^CMake Warning' "$log" || true)
  if ((warnings > 0)); then
    echo "configure: $warnings CMake warning(s), see $log"
  fi
  echo "build: $dir with $GS_JOBS jobs"
  # GS_BUILD_TARGET, when set, builds only that target (scripts/fuzz: the fuzzers).
  if ! cmake --build "$dir" -j "$GS_JOBS" ${GS_BUILD_TARGET:+--target "$GS_BUILD_TARGET"} -- --quiet; then
    echo "build failed in $dir" >&2
    exit 1
  fi
  echo "build: done in $((SECONDS - start)) s"
}

# gs_build_sanitize [TARGET]: the sanitizer tree build-sanitize, shared by scripts/test --sanitize
# (every test) and scripts/fuzz (the fuzz targets): clang with AddressSanitizer (+ LeakSanitizer),
# UndefinedBehaviorSanitizer and libFuzzer's coverage counters. One tree for both stages saves
# CI a third build of the engine. -O1 and line tables only: about half the compile time of -O2 -g,
# still symbolized stack traces; asserts stay on (no NDEBUG), more checks to trip.
gs_build_sanitize() {
  GS_BUILD_TARGET=${1:-} gs_build build-sanitize RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DBUILD_FUZZERS=ON \
    -DBUILD_GUI=OFF -DENABLE_CUDA=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only"
}
