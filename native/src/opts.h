// libbpf's LIBBPF_OPTS macro relies on C compound literals; this is the C++ equivalent.
#pragma once

#include <cstring>

namespace tortie {

// A zeroed libbpf opts struct with `sz` set, as libbpf requires for forward compatibility.
template <typename T>
T Opts() {
  T o;
  memset(&o, 0, sizeof(o));
  o.sz = sizeof(o);
  return o;
}

}  // namespace tortie
