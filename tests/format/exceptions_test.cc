// The one exception-to-Status mapping (format/exceptions.h) that the API's
// entry points, the scan tasks and the column encoders share.
#include "format/exceptions.h"

#include <gtest/gtest.h>

#include <new>
#include <stdexcept>

#include "dp/result.h"

namespace dp::internal {
namespace {

TEST(ExceptionStatus, OutOfMemoryIsResourceExhausted) {
  Result<int> r = Guard("Segment::Open", []() -> Result<int> { throw std::bad_alloc(); });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(r.status().message(), "Segment::Open: out of memory");
}

TEST(ExceptionStatus, AStandardExceptionIsInternalWithItsText) {
  Status s = Guard("scan: morsel 7", []() -> Status { throw std::runtime_error("tbb: no more threads"); });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "scan: morsel 7: unexpected exception: tbb: no more threads");
}

TEST(ExceptionStatus, AnExceptionOfAnyOtherTypeIsStillAStatus) {
  Status s = Guard("Writer::Append", []() -> Status { throw 42; });
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "Writer::Append: unexpected exception of an unknown type");
}

TEST(ExceptionStatus, NoExceptionPassesTheResultThrough) {
  Result<int> r = Guard("x", []() -> Result<int> { return 5; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 5);
  Status s = Guard("x", []() -> Status { return Status::NotFound("gone"); });
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "gone");
}

TEST(ExceptionStatus, CurrentExceptionStatusInsideACatchBlock) {
  Status s;
  try {
    throw std::length_error("vector");
  } catch (...) {
    s = CurrentExceptionStatus("path/x.dpc: encoding columns");
  }
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "path/x.dpc: encoding columns: unexpected exception: vector");
}

}  // namespace
}  // namespace dp::internal
