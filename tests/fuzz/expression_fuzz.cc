// Fuzz target: the `--where` / `?where=` expression parser over hostile text.
#include <string_view>

#include "dp/expression.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const dp::Schema schema = *dp::Schema::Make(
      {{"order_id", dp::DataType::Int64(), false, ""},
       {"ts", dp::DataType::Timestamp(dp::TimeUnit::kMicro), false, ""},
       {"quantity", dp::DataType::Int32(), false, ""},
       {"discount", dp::DataType::Float64(), true, ""},
       {"country", dp::DataType::String(), false, ""},
       {"flag", dp::DataType::Bool(), true, ""},
       {"day", dp::DataType::Date32(), true, ""},
       {"blob", dp::DataType::Binary(), true, ""}});
  auto p = dp::ParsePredicate(std::string_view(reinterpret_cast<const char*>(data), size), schema);
  if (p.ok()) (void)p->ToString();
  return 0;
}
