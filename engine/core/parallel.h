// parallel_ranges: split a loop between the OpenMP threads, or run it without touching OpenMP.
//
// Why not `#pragma omp parallel for if (n >= N)`: a region whose `if` is false still forms a team
// of one and passes libgomp's barriers, and the last thread through a barrier always makes a
// futex wake system call, waiting threads or not. On a virtual machine such a call costs about
// 2 µs, more than the loop itself for the small arrays of a training step: the MLP step made 39
// of them, most for loops over 10 to 512 floats. So small loops run here on the calling thread,
// and only large ones pay for a team.
#pragma once

#include <omp.h>

#include <cstdint>

namespace engine {

// body(begin, end) over [0, n): all of it on this thread unless `parallel` and more than one
// thread is allowed, else one contiguous range per thread. Ranges are disjoint and cover [0, n)
// whatever the thread count, so a body whose results depend only on its indices gives the same
// results for any split.
template <class Body>
void parallel_ranges(int64_t n, bool parallel, const Body& body) {
  if (!parallel || n < 2 || omp_get_max_threads() < 2) {
    if (n > 0) body(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t begin = n * t / threads, end = n * (t + 1) / threads;
    if (begin < end) body(begin, end);
  }
}

}  // namespace engine
