// Which sanitizer, if any, this translation unit is built with, for GCC
// (__SANITIZE_*__) and Clang (__has_feature): DP_TSAN, DP_ASAN and DP_MSAN
// are each 0 or 1. Code that must run differently under a sanitizer (work
// on threads of its own under TSan, which cannot see oneTBB's handoffs;
// memory from the allocator ASan checks; no ifunc resolvers) tests these
// rather than spelling out the detection again.
#pragma once

#if defined(__SANITIZE_THREAD__)
#define DP_TSAN 1
#endif
#if defined(__SANITIZE_ADDRESS__)
#define DP_ASAN 1
#endif
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) && !defined(DP_TSAN)
#define DP_TSAN 1
#endif
#if __has_feature(address_sanitizer) && !defined(DP_ASAN)
#define DP_ASAN 1
#endif
#if __has_feature(memory_sanitizer)
#define DP_MSAN 1
#endif
#endif
#ifndef DP_TSAN
#define DP_TSAN 0
#endif
#ifndef DP_ASAN
#define DP_ASAN 0
#endif
#ifndef DP_MSAN
#define DP_MSAN 0
#endif
