// Portable bit-packing kernels: compiled with the baseline flags, the fallback
// on every CPU and the reference the ISA variants are tested against.
// Layout: spec/format.md §"Bit-packed blocks".
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "format/bitpack.h"
#include "format/bitpack_internal.h"

namespace dp::format::internal {
namespace {
#include "format/bitpack_kernels.inc"
}  // namespace

constinit const BitpackKernels kScalarKernels = MakeKernels("scalar");

}  // namespace dp::format::internal

namespace dp::format::scalar {

void Unpack1024(const uint32_t* in, uint32_t width, uint32_t* out) {
  internal::kScalarKernels.unpack32(in, width, out);
}
void Unpack1024(const uint64_t* in, uint32_t width, uint64_t* out) {
  internal::kScalarKernels.unpack64(in, width, out);
}

}  // namespace dp::format::scalar
