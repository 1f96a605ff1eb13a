// The machine's physical memory, for refusing sizes no run here could hold (an absurd shape in a
// data file, a network of billions of weights) with one line instead of bad_alloc or the OOM
// killer. Private to the library.
#pragma once

#include <unistd.h>

namespace paraflow {

/// Bytes of physical memory, or 0 when the system does not say.
inline double physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? double(pages) * double(page_size) : 0.0;
}

}  // namespace paraflow
