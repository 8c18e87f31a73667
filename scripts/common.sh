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
# it with all cores (or only the targets named in $GS_BUILD_TARGETS that this configuration has).
# CMake's chatter goes to DIR/configure.log; ninja shows only compiler output.
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
  # GS_BUILD_TARGETS, when set, builds only those targets (scripts/fuzz: the fuzzers; scripts/run:
  # the two programs, not the tests and benchmarks). A target this configuration lacks (the studio
  # where Qt is missing) is left out rather than failing the build.
  local targets=() target
  for target in ${GS_BUILD_TARGETS:-}; do
    if ninja -C "$dir" -t query "$target" >/dev/null 2>&1; then
      targets+=("$target")
    fi
  done
  if [[ -n ${GS_BUILD_TARGETS:-} && ${#targets[@]} -eq 0 ]]; then
    echo "build: none of the targets '$GS_BUILD_TARGETS' exists in $dir" >&2
    exit 1
  fi
  local build_args=(--build "$dir" -j "$GS_JOBS")
  ((${#targets[@]} == 0)) || build_args+=(--target "${targets[@]}")
  if ! cmake "${build_args[@]}" -- --quiet; then
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
  GS_BUILD_TARGETS=${1:-} gs_build build-sanitize RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ -DBUILD_FUZZERS=ON \
    -DBUILD_GUI=OFF -DENABLE_CUDA=OFF -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only"
}
