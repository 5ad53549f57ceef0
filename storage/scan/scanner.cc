#include "storage/scan/scanner.h"

#include <algorithm>
#include <cstring>
#include <system_error>
#include <thread>

#include "format/exceptions.h"
#include "format/sanitizers.h"

// oneTBB is not built with ThreadSanitizer, which therefore cannot see the
// handoff of a task's closure to a TBB worker and would report it as a race.
// Under TSan the Producer's tasks run on threads of their own instead; the
// claims, slots and stop they share are under State::mu either way, so TSan
// checks the same protocol (DP_TSAN).

namespace dp {

using internal::scan::ColumnCursor;
using internal::scan::Counters;
using internal::scan::MorselExec;
using internal::scan::SelectRows;

namespace {

void SetValidity(Scanner::Rep::Column& c, size_t row, bool valid) {
  // Grown to hold `row` whatever its distance from the last null: the
  // first null of a batch may come thousands of rows in (it once grew by
  // one step and wrote past the end).
  if (c.validity.size() * 8 <= row) c.validity.resize(std::max(c.validity.size() * 2 + 64, row / 8 + 1), 0xFF);
  if (!valid) c.validity[row >> 3] &= uint8_t(~(1u << (row & 7)));
}

}  // namespace

std::string_view Scanner::Rep::Arena::Copy(std::string_view s) {
  if (capacity - used < s.size()) {
    capacity = std::max<size_t>(s.size(), 64 * 1024);
    chunks.push_back(std::make_unique_for_overwrite<char[]>(capacity));
    used = 0;
  }
  char* p = chunks.back().get() + used;
  std::memcpy(p, s.data(), s.size());
  used += s.size();
  return {p, s.size()};
}

Result<std::unique_ptr<Scanner::Rep>> Scanner::Rep::Open(const ScanSource& source, const ScanSpec& spec) {
  auto rep = std::make_unique<Rep>();
  rep->spec = spec;
  std::vector<std::string> projection = spec.projection;
  if (projection.empty()) {
    for (const Field& f : source.schema().fields()) projection.push_back(f.name);
  }
  if (spec.batch_rows < 1024 || spec.batch_rows > (1u << 20)) {
    return Status::InvalidArgument("scan: batch_rows " + std::to_string(spec.batch_rows) +
                                   " is not in 1024..1048576");
  }
  rep->spec.batch_rows = (spec.batch_rows + 1023) / 1024 * 1024;
  rep->threads = spec.threads > 0 ? spec.threads : int(std::max(1u, std::thread::hardware_concurrency()));
  DP_ASSIGN_OR_RETURN(rep->plan, internal::scan::MakePlan(source.schema(), spec, projection));
  std::vector<Field> fields;
  for (int f : rep->plan.projection) fields.push_back(source.schema().field(f));
  DP_ASSIGN_OR_RETURN(rep->output, Schema::Make(std::move(fields)));
  DP_ASSIGN_OR_RETURN(rep->src, internal::scan::OpenSource(source, rep->plan, spec.skip_corrupt_parts));
  return rep;
}

Scanner::Rep::MorselScan::MorselScan(Rep& rep, size_t index, Counters* counters)
    : rep_(rep),
      exec_(rep.plan, rep.src.parts[rep.src.morsels[index].part], rep.src.morsels[index], counters),
      cur_(Fresh()) {}

Scanner::Rep::Owned Scanner::Rep::MorselScan::Fresh() {
  const size_t ncols = rep_.plan.projection.size();
  Owned o;
  o.columns.resize(ncols);
  for (size_t j = 0; j < ncols; ++j) {
    if (!rep_.plan.schema.field(rep_.plan.projection[j]).type.is_binary_like()) o.columns[j].data = rep_.TakeBuffer();
  }
  return o;
}

Status Scanner::Rep::MorselScan::Step(std::vector<Owned>* out, bool pause_at_batch) {
  const internal::scan::Plan& plan = rep_.plan;
  const uint32_t batch_rows = rep_.spec.batch_rows;
  const size_t ncols = plan.projection.size();
  alignas(64) uint32_t sel[format::kBlockSize];
  const Status st = exec_.Run([&](uint64_t, uint32_t n, const uint8_t* mask) -> Status {
    const uint32_t sn = SelectRows(mask, n, sel);
    if (cur_.rows > 0 && cur_.rows + sn > batch_rows) {
      out->push_back(std::move(cur_));
      cur_ = Fresh();
      if (pause_at_batch) exec_.Pause();  // after this window
    }
    for (size_t j = 0; j < ncols; ++j) {
      const int f = plan.projection[j];
      ColumnCursor& c = exec_.cursor(f);
      Column& col = cur_.columns[j];
      DP_ASSIGN_OR_RETURN(const uint8_t* valid, c.Validity(n));
      if (valid != nullptr) {
        for (uint32_t i = 0; i < sn; ++i) SetValidity(col, cur_.rows + i, valid[sel[i]] != 0);
        col.has_nulls = true;
      } else if (col.has_nulls) {
        for (uint32_t i = 0; i < sn; ++i) SetValidity(col, cur_.rows + i, true);
      }
      const DataType& t = plan.schema.field(f).type;
      if (t.is_binary_like()) {
        DP_ASSIGN_OR_RETURN(const std::string_view* s, c.Strings());
        const bool copy = c.strings_transient();
        if (col.strings.capacity() == 0) col.strings.reserve(batch_rows);
        for (uint32_t i = 0; i < sn; ++i) {
          std::string_view v = s[sel[i]];
          if (copy && !v.empty()) v = cur_.arena.Copy(v);
          col.strings.push_back(v);
        }
      } else {
        const int w = t.byte_width();
        // One allocation per batch column, not one per doubling.
        if (col.data.capacity() == 0) col.data.reserve(size_t{batch_rows} * size_t(w));
        col.data.resize((cur_.rows + sn) * w);
        DP_RETURN_IF_ERROR(c.Gather(sel, sn, n, col.data.data() + cur_.rows * w));
      }
    }
    cur_.rows += sn;
    return Status::OK();
  });
  DP_RETURN_IF_ERROR(st);
  if (exec_.done() && cur_.rows > 0) {
    out->push_back(std::move(cur_));
    cur_ = Owned();
  }
  return Status::OK();
}

Scanner::Rep::Bytes Scanner::Rep::TakeBuffer() {
  std::lock_guard<std::mutex> lock(pool_mu);
  if (pool.empty()) return {};
  Bytes b = std::move(pool.back());
  pool.pop_back();
  b.clear();  // keeps the capacity
  return b;
}

void Scanner::Rep::Recycle(Owned& o) {
  std::lock_guard<std::mutex> lock(pool_mu);
  for (Column& c : o.columns) {
    if (c.data.capacity() > 0 && pool.size() < kMaxPooled) pool.push_back(std::move(c.data));
  }
}

Scanner::Rep::Producer::Producer(Rep& rep, int threads, size_t window)
    : rep_(rep),
      window_(std::max<size_t>(1, window)),
      // One slot of the arena stays for a thread that enters it: the tasks
      // get the others (none on one core: the consumer scans every morsel).
      max_tasks_(internal::scan::ArenaConcurrency(threads) - 1),
      state_(std::make_shared<State>()),
      arena_(internal::scan::ArenaConcurrency(threads)) {
  state_->slots.resize(rep.src.morsels.size());
  std::lock_guard<std::mutex> lock(state_->mu);
  Launch();
}

Scanner::Rep::Producer::~Producer() {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->stop = true;
  // Every task started must end, not only those inside a morsel: one still
  // queued in the pool holds the state (and would at process exit too).
  // After `stop` a task ends as soon as a worker runs it.
  state_->cv.wait(lock, [&] { return state_->tasks == 0; });
}

void Scanner::Rep::Producer::ScanSlot(Rep& rep, size_t index, Slot& slot) {
  try {
    slot.status = MorselScan(rep, index, &slot.counters).Step(&slot.batches, false);
  } catch (...) {
    slot.status = internal::CurrentExceptionStatus("scan: morsel " + std::to_string(index));
  }
}

void Scanner::Rep::Producer::Launch() {
  State& st = *state_;
  const size_t end = std::min(st.slots.size(), st.taken + window_);
  for (size_t room = end > st.claimed ? end - st.claimed : 0; st.tasks < max_tasks_ && room > 0; --room) {
    ++st.tasks;
    auto task = [&rep = rep_, state = state_, window = window_] { Task(rep, state, window); };
#if DP_TSAN
    try {
      std::thread(std::move(task)).detach();
    } catch (const std::system_error&) {
      --st.tasks;  // the consumer scans what no task takes
      return;
    }
#else
    arena_.enqueue(std::move(task));
#endif
  }
}

void Scanner::Rep::Producer::Task(Rep& rep, const std::shared_ptr<State>& state, size_t window) {
  State& st = *state;
  std::unique_lock<std::mutex> lock(st.mu);
  while (!st.stop && st.claimed < std::min(st.slots.size(), st.taken + window)) {
    const size_t index = st.claimed++;
    lock.unlock();
    ScanSlot(rep, index, st.slots[index]);  // the slot is this task's alone until it is marked done
    lock.lock();
    st.slots[index].done = true;
    st.cv.notify_all();
  }
  --st.tasks;
  st.cv.notify_all();
}

Status Scanner::Rep::Producer::Take(size_t index, std::vector<Owned>* out, Counters* counters) {
  State& st = *state_;
  Slot& slot = st.slots[index];
  std::unique_lock<std::mutex> lock(st.mu);
  // While the slot is not done, the consumer is one of the scanners: it
  // takes the next morsel no task has claimed (this one first, if none
  // has), and only waits when every morsel in the window is claimed.
  while (!slot.done) {
    if (st.claimed < std::min(st.slots.size(), index + window_)) {
      const size_t ahead = st.claimed++;
      lock.unlock();
      ScanSlot(rep_, ahead, st.slots[ahead]);
      lock.lock();
      st.slots[ahead].done = true;
      continue;
    }
    st.cv.wait(lock);
  }
  st.taken = index + 1;
  Launch();
  lock.unlock();
  *out = std::move(slot.batches);
  *counters = slot.counters;
  return std::move(slot.status);
}

Result<bool> Scanner::Rep::Refill() {
  if (threads == 1) {
    if (!live) {
      if (next_morsel >= src.morsels.size()) return false;
      live = std::make_unique<MorselScan>(*this, next_morsel++, &counters);
    }
    std::vector<Owned> out;
    DP_RETURN_IF_ERROR(live->Step(&out, true));
    for (Owned& o : out) queue.push_back(std::move(o));
    if (live->done()) live.reset();
    return true;
  }
  if (next_morsel >= src.morsels.size()) return false;
  if (!producer) {
    // Morsels scanned ahead: `threads` x 2, bounded by the memory budget.
    uint64_t row_bytes = 0;
    for (int f : plan.projection) row_bytes += std::max(plan.schema.field(f).type.byte_width(), 16) + 1;
    const uint64_t budget = spec.memory_budget > 0 ? spec.memory_budget : (1ull << 30);
    const uint64_t per_morsel = std::max<uint64_t>(1, row_bytes * internal::scan::kMorselRows);
    const auto window = size_t(std::clamp<uint64_t>(budget / per_morsel, 1, uint64_t(threads) * 2));
    producer = std::make_unique<Producer>(*this, threads, window);
  }
  std::vector<Owned> out;
  Counters cs;
  const Status st = producer->Take(next_morsel++, &out, &cs);
  counters.Add(cs);
  DP_RETURN_IF_ERROR(st);
  for (Owned& o : out) queue.push_back(std::move(o));
  return true;
}

Result<bool> Scanner::Rep::Next(Batch* batch) {
  batch->num_rows = 0;
  batch->columns.clear();
  // An error ends the scan for good: a later call must not go on with the
  // morsels after the one that failed as if its rows were not there.
  if (!failed.ok()) return failed;
  if (spec.limit && emitted >= *spec.limit) return false;
  Recycle(current);  // the consumer is done with it (see Batch)
  current = Owned();
  while (queue.empty()) {
    Result<bool> more = Refill();
    if (!more.ok()) {
      failed = more.status();
      return failed;
    }
    if (!*more) return false;
  }
  current = std::move(queue.front());
  queue.pop_front();
  size_t rows = current.rows;
  if (spec.limit) rows = size_t(std::min<uint64_t>(rows, *spec.limit - emitted));
  emitted += rows;
  batch->num_rows = rows;
  for (size_t j = 0; j < plan.projection.size(); ++j) {
    const Field& f = plan.schema.field(plan.projection[j]);
    const Column& c = current.columns[j];
    BatchColumn bc;
    bc.name = f.name;
    bc.type = f.type;
    bc.length = rows;
    if (f.type.is_binary_like()) bc.strings = c.strings.data();
    else bc.data = c.data.data();
    bc.validity = c.has_nulls ? c.validity.data() : nullptr;
    batch->columns.push_back(std::move(bc));
  }
  return true;
}

}  // namespace dp
