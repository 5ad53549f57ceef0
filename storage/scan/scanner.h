// dp::Scanner internals: morsels are scanned (in parallel, `threads` at a
// time, bounded by the memory budget) into owned batches that are handed out
// in row order.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <tbb/task_arena.h>

#include "dp/scan.h"
#include "storage/scan/exec.h"

namespace dp {

struct Scanner::Rep {
  // An allocator whose value-initialization is default-initialization:
  // resizing a byte vector that gathers overwrite does not zero it first.
  template <typename T>
  struct NoZeroAllocator : std::allocator<T> {
    template <typename U>
    struct rebind {
      using other = NoZeroAllocator<U>;
    };
    NoZeroAllocator() = default;
    template <typename U>
    NoZeroAllocator(const NoZeroAllocator<U>&) noexcept {}
    template <typename U>
    void construct(U* p) noexcept {
      ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  };
  // One output column of an owned batch.
  struct Column {
    std::vector<uint8_t, NoZeroAllocator<uint8_t>> data;  // fixed width values, written by gathers
    std::vector<uint8_t> validity;  // bitmap; empty when no nulls
    bool has_nulls = false;
    std::vector<std::string_view> strings;
  };
  // Copies of strings from compressed pages, in chunks that never move
  // (the batch's views point into them while the batch itself moves).
  struct Arena {
    std::vector<std::unique_ptr<char[]>> chunks;
    size_t used = 0, capacity = 0;
    std::string_view Copy(std::string_view s);
  };
  struct Owned {
    size_t rows = 0;
    std::vector<Column> columns;
    Arena arena;
  };

  static Result<std::unique_ptr<Rep>> Open(const ScanSource& source, const ScanSpec& spec);
  Result<bool> Next(Batch* batch);

  internal::scan::Plan plan;
  internal::scan::Source src;
  Schema output;
  ScanSpec spec;
  int threads = 1;  // spec.threads resolved (0: the hardware's)
  size_t next_morsel = 0;
  std::deque<Owned> queue;
  Owned current;  // the batch handed out last
  uint64_t emitted = 0;
  internal::scan::Counters counters;
  Status failed;  // the error that ended the scan; Next() returns it again

 private:
  using Bytes = std::vector<uint8_t, NoZeroAllocator<uint8_t>>;
  // Value buffers of batches the consumer is done with (Next() was called
  // again), reused by the next batches: their pages stay mapped, so a scan
  // does not fault in (and glibc does not map and trim) fresh memory for
  // every batch. Bounded by kMaxPooled; taken and given under pool_mu
  // (MorselScan runs on several threads).
  static constexpr size_t kMaxPooled = 64;
  std::mutex pool_mu;
  std::vector<Bytes> pool;
  Bytes TakeBuffer();
  void Recycle(Owned& o);

  // One morsel being scanned into batches.
  class MorselScan {
   public:
    MorselScan(Rep& rep, size_t index, internal::scan::Counters* counters);
    // Scans windows into batches appended to `out`: up to the end of the
    // morsel (its last, partial batch included), or, with pause_at_batch,
    // until a batch is complete.
    Status Step(std::vector<Owned>* out, bool pause_at_batch);
    bool done() const { return exec_.done(); }

   private:
    Owned Fresh();
    Rep& rep_;
    internal::scan::MorselExec exec_;
    Owned cur_;
  };

  // Scans more batches into `queue`; false when no morsel is left.
  Result<bool> Refill();

  // One thread: the morsel being scanned. Batches are cut from it one at a
  // time as the consumer asks, so a batch is read while it is still in
  // cache, not after the rest of its morsel has pushed it out.
  std::unique_ptr<MorselScan> live;

  // More threads: morsels are scanned ahead of the consumer by oneTBB
  // tasks in an arena of `threads` slots, one of them kept for the
  // consumer: every Scanner of the process draws on the one TBB worker
  // pool instead of starting threads of its own. Tasks scan at most
  // `window` morsels past the last one the consumer took, each into its own
  // slot; the consumer takes the slots in morsel order, and while the one
  // it needs is not done it scans the next unclaimed morsel of the window
  // itself (so `threads` scan at once: threads - 1 tasks and the consumer,
  // and a pool with no free worker still makes progress). Tasks never
  // block: one that finds no room left ends, and Take() starts another when
  // room comes back. The tasks share the slots through `State` (a
  // shared_ptr); the destructor sets `stop` and waits for every started
  // task to end (a queued one ends as soon as a worker runs it).
  class Producer {
   public:
    Producer(Rep& rep, int threads, size_t window);
    ~Producer();  // stops the tasks; waits until every task started has ended
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;
    // The batches and counters of morsel `index` (taken in order, each
    // once), scanned by a task or by the consumer; its error if it failed.
    Status Take(size_t index, std::vector<Owned>* out, internal::scan::Counters* counters);

   private:
    struct Slot {
      bool done = false;
      Status status;
      std::vector<Owned> batches;
      internal::scan::Counters counters;
    };
    struct State {
      std::mutex mu;
      std::condition_variable cv;  // a slot was filled, or a task ended
      bool stop = false;
      size_t claimed = 0;   // morsels handed out (to tasks or the consumer)
      size_t taken = 0;     // morsels handed to the consumer
      int tasks = 0;        // tasks started and not ended
      std::vector<Slot> slots;  // by morsel
    };
    // Scans morsel `index` into `slot`. On a pool worker an exception would
    // end the process, so one (out of memory) becomes the morsel's status,
    // which the consumer gets in order like any scan error.
    static void ScanSlot(Rep& rep, size_t index, Slot& slot);
    // Starts tasks while there is room for them (under the lock).
    void Launch();
    static void Task(Rep& rep, const std::shared_ptr<State>& state, size_t window);

    Rep& rep_;
    const size_t window_;
    const int max_tasks_;
    std::shared_ptr<State> state_;
    tbb::task_arena arena_;
  };
  // Last: destroyed first, while everything its workers read still lives.
  std::unique_ptr<Producer> producer;
};

}  // namespace dp
