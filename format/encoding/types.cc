// Physical types: how each logical type is laid out in pages
// (spec/format.md §"Types"), and which encodings apply to each.
#include "format/encoding.h"

namespace dp::format {

PhysicalType PhysicalTypeOf(TypeId id) {
  switch (id) {
    case TypeId::kBool: return PhysicalType::kBool;
    case TypeId::kInt8: return PhysicalType::kI8;
    case TypeId::kInt16: return PhysicalType::kI16;
    case TypeId::kInt32: return PhysicalType::kI32;
    case TypeId::kInt64: return PhysicalType::kI64;
    case TypeId::kUInt8: return PhysicalType::kU8;
    case TypeId::kUInt16: return PhysicalType::kU16;
    case TypeId::kUInt32: return PhysicalType::kU32;
    case TypeId::kUInt64: return PhysicalType::kU64;
    case TypeId::kFloat32: return PhysicalType::kF32;
    case TypeId::kFloat64: return PhysicalType::kF64;
    case TypeId::kTimestamp: return PhysicalType::kI64;
    case TypeId::kDate32: return PhysicalType::kI32;
    case TypeId::kString: return PhysicalType::kBytes;
    case TypeId::kBinary: return PhysicalType::kBytes;
  }
  return PhysicalType::kBytes;  // not a TypeId: schemas are validated before this is asked
}

int PhysicalWidth(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBool:
    case PhysicalType::kI8:
    case PhysicalType::kU8: return 1;
    case PhysicalType::kI16:
    case PhysicalType::kU16: return 2;
    case PhysicalType::kI32:
    case PhysicalType::kU32:
    case PhysicalType::kF32: return 4;
    case PhysicalType::kI64:
    case PhysicalType::kU64:
    case PhysicalType::kF64: return 8;
    case PhysicalType::kBytes: return 0;
  }
  return 0;
}

bool IsIntegerPhysical(PhysicalType t) { return t >= PhysicalType::kI8 && t <= PhysicalType::kU64; }

bool IsSignedPhysical(PhysicalType t) { return t >= PhysicalType::kI8 && t <= PhysicalType::kI64; }

std::string_view PhysicalTypeName(PhysicalType t) {
  switch (t) {
    case PhysicalType::kBool: return "bool";
    case PhysicalType::kI8: return "int8";
    case PhysicalType::kI16: return "int16";
    case PhysicalType::kI32: return "int32";
    case PhysicalType::kI64: return "int64";
    case PhysicalType::kU8: return "uint8";
    case PhysicalType::kU16: return "uint16";
    case PhysicalType::kU32: return "uint32";
    case PhysicalType::kU64: return "uint64";
    case PhysicalType::kF32: return "float32";
    case PhysicalType::kF64: return "float64";
    case PhysicalType::kBytes: return "bytes";
  }
  return "unknown";
}

bool EncodingSupports(Encoding e, PhysicalType t) {
  switch (e) {
    case Encoding::kPlain:
    case Encoding::kConstant: return true;
    case Encoding::kForBitpack:
    case Encoding::kDeltaBitpack: return IsIntegerPhysical(t);
    case Encoding::kRle: return t != PhysicalType::kBytes;
    case Encoding::kDictionary: return t != PhysicalType::kBool;
    case Encoding::kForPlanes:
    case Encoding::kDeltaPlanes: return IsIntegerPhysical(t);
    case Encoding::kDictionaryPlanes: return t != PhysicalType::kBool;
    case Encoding::kForRadix: return IsIntegerPhysical(t);
    case Encoding::kDictionaryRadix:
    case Encoding::kDictionarySparse: return t != PhysicalType::kBool;
  }
  return false;
}

}  // namespace dp::format
