// AVX2 bit-packing kernels: the same source as bitpack_scalar.cc, compiled with
// -mavx2 -mbmi2 (format/CMakeLists.txt). Only reached after the CPU check in
// bitpack_dispatch.cc.
// Layout: spec/format.md §"Bit-packed blocks".
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "format/bitpack_internal.h"

namespace dp::format::internal {
namespace {
#include "format/bitpack_kernels.inc"
}  // namespace

constinit const BitpackKernels kAvx2Kernels = MakeKernels("avx2");

}  // namespace dp::format::internal
