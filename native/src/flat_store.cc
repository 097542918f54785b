// FlatStore: a gallery's own vectors, kept in fp32 (the master copy, for exact scores) and, optionally,
// in a compact scan encoding (fp16 or int8 with one scale per row) that the exact scan reads instead.
//
// search() scans every row with the AVX2 kernels (split across threads, one top-m heap per thread and
// query), then re-scores the m best candidates against the fp32 master so that the returned scores
// are exact; rescore() does only the second step for candidates found elsewhere (an approximate FAISS
// index), dropping ids the store no longer holds, which is what makes deletion immediate.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "scan.h"
#include "top_m.h"

namespace idm {
namespace {

enum class Encoding : uint32_t { F32 = 0, F16 = 1, I8 = 2 };

const char* EncodingName(Encoding e) { return e == Encoding::F32 ? "f32" : e == Encoding::F16 ? "f16" : "i8"; }

constexpr char kMagic[8] = {'I', 'D', 'M', 'F', 'L', 'A', 'T', '1'};
constexpr size_t kBlockBytes = 192 << 10;          // rows per kernel call: a block stays in L2 while
                                                    // every group of four queries passes over it
constexpr size_t kParallelBytes = size_t(8) << 20;  // smaller scans are not worth waking a second thread

struct Store {
  std::shared_mutex mutex;
  bool closed = false;
  uint32_t dim = 0;
  size_t stride = 0;  // dim rounded up to 32
  bool innerProduct = true;
  Encoding encoding = Encoding::F32;

  std::vector<float> master;  // n x stride, zero padded
  std::vector<uint16_t> halves;
  std::vector<int8_t> bytes;
  std::vector<float> scales;    // i8: per-row dequantisation scale
  std::vector<int32_t> sums;    // i8: per-row sum of the codes (undoes the query's unsigned offset)
  std::vector<float> norms;   // ||x||^2 per row (L2 scores as 2 q.x - ||x||^2)
  std::vector<int64_t> ids;
  std::unordered_map<int64_t, uint32_t> slots;
  std::atomic<size_t> count{0};

  void Live() const {
    if (closed) throw UserError("the store is closed");
  }
  size_t Size() const { return ids.size(); }

  void Append(const float* row, int64_t id) {
    const size_t slot = ids.size();
    master.resize((slot + 1) * stride, 0.0f);
    float* dst = master.data() + slot * stride;
    std::memcpy(dst, row, dim * sizeof(float));
    double norm = 0;
    float maxAbs = 0;
    for (uint32_t i = 0; i < dim; ++i) {
      norm += double(row[i]) * row[i];
      maxAbs = std::max(maxAbs, std::fabs(row[i]));
    }
    norms.push_back(float(norm));
    if (encoding == Encoding::F16) {
      halves.resize((slot + 1) * stride);
      scan::BestKernels().toF16(dst, halves.data() + slot * stride, stride);
    } else if (encoding == Encoding::I8) {
      bytes.resize((slot + 1) * stride, 0);
      const float scale = maxAbs > 0 ? maxAbs / 127.0f : 1.0f;
      int8_t* codes = bytes.data() + slot * stride;
      int32_t sum = 0;
      for (uint32_t i = 0; i < dim; ++i) {
        codes[i] = int8_t(std::lrint(std::clamp(row[i] / scale, -127.0f, 127.0f)));
        sum += codes[i];
      }
      scales.push_back(scale);
      sums.push_back(sum);
    }
    ids.push_back(id);
    slots[id] = uint32_t(slot);
  }

  // Swap-remove: the last row moves into the freed slot.
  void Erase(uint32_t slot) {
    const size_t last = ids.size() - 1;
    slots.erase(ids[slot]);
    if (slot != last) {
      std::memcpy(&master[slot * stride], &master[last * stride], stride * sizeof(float));
      if (encoding == Encoding::F16) std::memcpy(&halves[slot * stride], &halves[last * stride], stride * 2);
      if (encoding == Encoding::I8) {
        std::memcpy(&bytes[slot * stride], &bytes[last * stride], stride);
        scales[slot] = scales[last];
        sums[slot] = sums[last];
      }
      norms[slot] = norms[last];
      ids[slot] = ids[last];
      slots[ids[slot]] = slot;
    }
    master.resize(last * stride);
    if (encoding == Encoding::F16) halves.resize(last * stride);
    if (encoding == Encoding::I8) {
      bytes.resize(last * stride);
      scales.resize(last);
      sums.resize(last);
    }
    norms.resize(last);
    ids.resize(last);
  }

  // The exact score, in the returned convention: inner product, or squared L2 distance.
  float ExactScore(const float* q, uint32_t slot) const {
    const float* x = &master[size_t(slot) * stride];
    double sum = 0;
    if (innerProduct) {
      for (uint32_t i = 0; i < dim; ++i) sum += double(q[i]) * x[i];
    } else {
      for (uint32_t i = 0; i < dim; ++i) {
        const double d = double(q[i]) - x[i];
        sum += d * d;
      }
    }
    return float(sum);
  }
  // Higher is better: the internal ordering for both metrics.
  float Better(float exact) const { return innerProduct ? exact : -exact; }
  float Worst() const {
    return innerProduct ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  }

  // Writes the k best of `candidates` (exactly scored) to out, ordered best first, ties by id.
  void Finish(const float* q, std::vector<uint32_t>& candidates, size_t k, float* distances, int64_t* labels) const {
    std::vector<std::pair<float, uint32_t>> scored;
    scored.reserve(candidates.size());
    for (uint32_t slot : candidates) scored.emplace_back(ExactScore(q, slot), slot);
    const auto better = [this](const auto& a, const auto& b) {
      const float sa = Better(a.first), sb = Better(b.first);
      return sa != sb ? sa > sb : ids[a.second] < ids[b.second];
    };
    const size_t keep = std::min(k, scored.size());
    std::partial_sort(scored.begin(), scored.begin() + keep, scored.end(), better);
    for (size_t j = 0; j < k; ++j) {
      if (j < keep) {
        distances[j] = scored[j].first;
        labels[j] = ids[scored[j].second];
      } else {
        distances[j] = Worst();
        labels[j] = -1;
      }
    }
  }

  // The scan: m candidates per query from the scan encoding, then the exact re-rank.
  void Search(const float* queries, size_t nq, size_t k, size_t m, float* distances, int64_t* labels) const {
    const size_t n = ids.size();
    m = std::max(k, std::min(m, n));
    const auto& kernels = scan::BestKernels();

    // Queries padded to the stride; int8 scans also need them as shifted unsigned bytes with a scale.
    std::vector<float> qf(nq * stride, 0.0f);
    for (size_t j = 0; j < nq; ++j) std::memcpy(&qf[j * stride], queries + j * dim, dim * sizeof(float));
    std::vector<uint8_t> qi;
    std::vector<float> qscale;
    const int32_t offset = kernels.i8QueryOffset;
    if (encoding == Encoding::I8) {
      qi.assign(nq * stride, uint8_t(offset));
      qscale.resize(nq);
      for (size_t j = 0; j < nq; ++j) {
        float maxAbs = 0;
        for (uint32_t i = 0; i < dim; ++i) maxAbs = std::max(maxAbs, std::fabs(qf[j * stride + i]));
        const float scale = maxAbs > 0 ? maxAbs / float(kernels.i8QueryMax) : 1.0f;
        for (uint32_t i = 0; i < dim; ++i) {
          const long level = std::clamp(std::lrint(qf[j * stride + i] / scale), -long(kernels.i8QueryMax), long(kernels.i8QueryMax));
          qi[j * stride + i] = uint8_t(level + offset);
        }
        qscale[j] = scale;
      }
    }

    const size_t rowBytes = encoding == Encoding::F32 ? stride * 4 : encoding == Encoding::F16 ? stride * 2 : stride;
    const int threads = n * rowBytes * std::max<size_t>(1, nq / 4) < kParallelBytes ? 1 : std::max(1, omp_get_num_procs());
    std::vector<std::vector<TopM>> heaps(threads, std::vector<TopM>(nq, TopM(m)));
    const size_t blockRows = std::clamp<size_t>(kBlockBytes / rowBytes / 2 * 2, 16, 1024);

#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num();
      const size_t begin = n * t / threads, end = n * (t + 1) / threads;
      std::vector<TopM>& mine = heaps[t];
      std::vector<float> dots(4 * blockRows);
      std::vector<int32_t> idots(encoding == Encoding::I8 ? 4 * blockRows : 0);
      std::vector<uint32_t> hits(blockRows);
      [[maybe_unused]] float warm = 0;
      for (size_t block = begin; block < end; block += blockRows) {
        const size_t rows = std::min(blockRows, end - block);
        if (nq > 4) {
          // Batches: read the block once sequentially so that it sits in L2 before the four-query
          // kernels (which take two rows in alternation, a pattern the prefetcher does not follow
          // from memory) pass over it once per group of queries.
          const void* start = encoding == Encoding::I8 ? static_cast<const void*>(bytes.data() + block * stride)
                              : encoding == Encoding::F16 ? static_cast<const void*>(halves.data() + block * stride)
                                                          : static_cast<const void*>(master.data() + block * stride);
          // (An integer sum: int8 or half bits read as floats are often denormal, and slow to add.)
          const uint64_t* words = static_cast<const uint64_t*>(start);
          uint64_t touched = 0;
          for (size_t w = 0, count = rows * rowBytes / 8; w < count; ++w) touched += words[w];
          warm += float(touched & 1);
        }
        for (size_t j = 0; j < nq; j += 4) {
          const size_t group = std::min<size_t>(4, nq - j);
          // Dot products of queries j..j+group-1 with this block into dots (query-major).
          if (encoding == Encoding::I8) {
            const int8_t* base = bytes.data() + block * stride;
            if (group == 4) {
              kernels.dot4I8(&qi[j * stride], base, rows, stride, idots.data());
            } else {
              for (size_t g = 0; g < group; ++g) kernels.dotI8(&qi[(j + g) * stride], base, rows, stride, &idots[g * rows]);
            }
            for (size_t g = 0; g < group; ++g) {
              kernels.scaleI8(&idots[g * rows], &sums[block], &scales[block], offset, qscale[j + g], rows, &dots[g * rows]);
            }
          } else if (encoding == Encoding::F16) {
            const uint16_t* base = halves.data() + block * stride;
            if (group == 4) {
              kernels.dot4F16(&qf[j * stride], base, rows, stride, dots.data());
            } else {
              for (size_t g = 0; g < group; ++g) kernels.dotF16(&qf[(j + g) * stride], base, rows, stride, &dots[g * rows]);
            }
          } else {
            const float* base = master.data() + block * stride;
            if (group == 4) {
              kernels.dot4F32(&qf[j * stride], base, rows, stride, dots.data());
            } else {
              for (size_t g = 0; g < group; ++g) kernels.dotF32(&qf[(j + g) * stride], base, rows, stride, &dots[g * rows]);
            }
          }
          for (size_t g = 0; g < group; ++g) {
            TopM& heap = mine[j + g];
            float* d = &dots[g * rows];
            if (!innerProduct) {
              for (size_t r = 0; r < rows; ++r) d[r] = 2.0f * d[r] - norms[block + r];
            }
            const size_t passed = kernels.above(d, rows, heap.Threshold(), hits.data());
            for (size_t h = 0; h < passed; ++h) {
              const uint32_t r = hits[h];
              if (d[r] > heap.Threshold()) heap.Push(d[r], uint32_t(block + r));
            }
          }
        }
      }
    }

    // Merge the per-thread heaps and re-rank exactly, queries split across the threads.
#pragma omp parallel for num_threads(nq > 1 ? threads : 1) schedule(dynamic, 1)
    for (size_t j = 0; j < nq; ++j) {
      std::vector<uint32_t> candidates;
      for (int t = 0; t < threads; ++t) {
        for (const auto& entry : heaps[t][j].heap) candidates.push_back(entry.second);
      }
      if (threads > 1 && candidates.size() > m) {
        // Keep the m best by scan score before the exact pass.
        std::vector<std::pair<float, uint32_t>> merged;
        for (int t = 0; t < threads; ++t) merged.insert(merged.end(), heaps[t][j].heap.begin(), heaps[t][j].heap.end());
        std::nth_element(merged.begin(), merged.begin() + m, merged.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        candidates.clear();
        for (size_t i = 0; i < m; ++i) candidates.push_back(merged[i].second);
      }
      Finish(queries + j * dim, candidates, k, distances + j * k, labels + j * k);
    }
  }
};

Encoding ParseEncoding(const std::string& name) {
  if (name == "f32") return Encoding::F32;
  if (name == "f16") return Encoding::F16;
  if (name == "i8") return Encoding::I8;
  throw UserError("encoding must be 'f32', 'f16' or 'i8', got '" + name + "'");
}

// Default scan candidates per result: compact encodings re-rank a margin of extra candidates so that
// quantisation cannot push a true neighbour out of the top k.
size_t DefaultCandidates(Encoding encoding, size_t k) {
  switch (encoding) {
    case Encoding::F32: return k;
    case Encoding::F16: return k + std::max<size_t>(k / 2, 16);
    default: return 2 * k + 32;
  }
}

struct File {
  FILE* handle;
  std::string path;
  File(const std::string& p, const char* mode) : handle(std::fopen(p.c_str(), mode)), path(p) {
    if (handle == nullptr) {
      throw UserError(std::string("cannot ") + (mode[0] == 'r' ? "read" : "write") + " store file '" + p +
                      "': " + std::strerror(errno));
    }
  }
  ~File() {
    if (handle) std::fclose(handle);
  }
  void Write(const void* data, size_t size) {
    if (size && std::fwrite(data, 1, size, handle) != size) throw UserError("cannot write store file '" + path + "': " + std::strerror(errno));
  }
  void Read(void* data, size_t size) {
    if (size && std::fread(data, 1, size, handle) != size) throw UserError("store file '" + path + "' is truncated or unreadable");
  }
  void Close() {
    FILE* h = handle;
    handle = nullptr;
    if (std::fclose(h) != 0) throw UserError("cannot write store file '" + path + "': " + std::strerror(errno));
  }
};

struct Header {
  char magic[8];
  uint32_t version, dim, metric, encoding;
  uint64_t count;
};

class FlatStore : public Napi::ObjectWrap<FlatStore> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FlatStore",
                       {
                           StaticMethod("read", &FlatStore::Read),
                           StaticAccessor("kernel", &FlatStore::Kernel, nullptr),
                           InstanceMethod("add", &FlatStore::Add),
                           InstanceMethod("remove", &FlatStore::Remove),
                           InstanceMethod("search", &FlatStore::Search),
                           InstanceMethod("rescore", &FlatStore::Rescore),
                           InstanceMethod("get", &FlatStore::Get),
                           InstanceMethod("export", &FlatStore::Export),
                           InstanceMethod("write", &FlatStore::Write),
                           InstanceMethod("close", &FlatStore::Close),
                           InstanceAccessor("dim", &FlatStore::Dim, nullptr),
                           InstanceAccessor("size", &FlatStore::Size, nullptr),
                           InstanceAccessor("metric", &FlatStore::Metric, nullptr),
                           InstanceAccessor("encoding", &FlatStore::EncodingGetter, nullptr),
                           InstanceAccessor("memoryBytes", &FlatStore::MemoryBytes, nullptr),
                       });
  }

  // new FlatStore(dim, metric, encoding), or internally new FlatStore(External<Store>).
  explicit FlatStore(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FlatStore>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      if (info[0].IsExternal()) {
        store_.reset(info[0].As<Napi::External<Store>>().Data());
        return env.Undefined();
      }
      store_ = std::make_shared<Store>();
      store_->dim = uint32_t(IntegerArg(info[0], "dim", 1, 65536));
      const std::string metric = StringArg(info[1], "metric");
      if (metric != "ip" && metric != "l2") throw UserError("metric must be 'ip' or 'l2', got '" + metric + "'");
      store_->innerProduct = metric == "ip";
      store_->encoding = ParseEncoding(info[2].IsUndefined() ? "f32" : StringArg(info[2], "encoding"));
      if (store_->encoding == Encoding::I8 && store_->dim > 4096) throw UserError("the i8 encoding supports at most 4096 dimensions");
      store_->stride = (store_->dim + 31) / 32 * 32;
      return env.Undefined();
    });
  }

 private:
  std::shared_ptr<Store> store_;

  static Napi::Value Kernel(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), scan::BestKernels().name);
  }

  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto vectors = FloatArg(info[0], "vectors");
      auto ids = IdArg(info[1], "ids");
      const size_t n = RowCount(vectors.length, store_->dim, "vectors");
      if (ids.length != n) throw UserError("got " + std::to_string(n) + " vectors but " + std::to_string(ids.length) + " ids");
      auto store = store_;
      return Task::Start(env, {info[0], info[1]}, [store, vectors, ids, n] {
        CheckFinite(vectors.data, vectors.length, "vectors");
        CheckUniqueIds(ids.data, n, "ids");
        std::unique_lock lock(store->mutex);
        store->Live();
        for (size_t i = 0; i < n; ++i) {
          if (store->slots.count(ids.data[i])) throw UserError("the id " + std::to_string(ids.data[i]) + " is already in the store");
        }
        if (store->ids.size() + n > std::numeric_limits<uint32_t>::max()) throw UserError("a store holds at most 2^32-1 vectors");
        store->master.reserve((store->ids.size() + n) * store->stride);
        for (size_t i = 0; i < n; ++i) store->Append(vectors.data + i * store->dim, ids.data[i]);
        store->count = store->ids.size();
      }, nullptr);
    });
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto ids = IdArg(info[0], "ids");
      auto store = store_;
      auto removed = std::make_shared<size_t>(0);
      return Task::Start(
          env, {info[0]},
          [store, ids, removed] {
            std::unique_lock lock(store->mutex);
            store->Live();
            for (size_t i = 0; i < ids.length; ++i) {
              auto found = store->slots.find(ids.data[i]);
              if (found == store->slots.end()) continue;
              store->Erase(found->second);
              ++*removed;
            }
            store->count = store->ids.size();
          },
          [removed](Napi::Env env, const Task::Kept& kept) -> Napi::Value { return Napi::Number::New(env, double(*removed)); });
    });
  }

  static Napi::Object Result(Napi::Env env, Napi::Value distances, Napi::Value labels) {
    Napi::Object result = Napi::Object::New(env);
    result.Set("distances", distances);
    result.Set("labels", labels);
    return result;
  }

  // search(queries, k, candidates?)
  Napi::Value Search(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto queries = FloatArg(info[0], "queries");
      const size_t k = size_t(IntegerArg(info[1], "k", 1, 1 << 20));
      const size_t m = info[2].IsUndefined() ? DefaultCandidates(store_->encoding, k)
                                             : size_t(IntegerArg(info[2], "candidates", int64_t(k), 1 << 22));
      const size_t nq = RowCount(queries.length, store_->dim, "queries");
      if (nq * k > kMaxResultEntries) throw UserError("queries x k is too large for one search");
      auto distances = Napi::Float32Array::New(env, nq * k);
      auto labels = Napi::TypedArrayOf<int64_t>::New(env, nq * k, napi_bigint64_array);
      float* d = distances.Data();
      int64_t* l = labels.Data();
      auto store = store_;
      return Task::Start(
          env, {info[0], distances, labels},
          [store, queries, nq, k, m, d, l] {
            CheckFinite(queries.data, queries.length, "queries");
            std::shared_lock lock(store->mutex);
            store->Live();
            if (nq > 0) store->Search(queries.data, nq, k, m, d, l);
          },
          [](Napi::Env env, const Task::Kept& kept) -> Napi::Value { return Result(env, kept[1], kept[2]); });
    });
  }

  // rescore(queries, candidates (nq x m ids, -1 for none), k): exact top k of each query's candidates.
  Napi::Value Rescore(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto queries = FloatArg(info[0], "queries");
      auto candidates = IdArg(info[1], "candidates");
      const size_t k = size_t(IntegerArg(info[2], "k", 1, 1 << 20));
      const size_t nq = RowCount(queries.length, store_->dim, "queries");
      if (nq == 0 && candidates.length != 0) throw UserError("candidates given without queries");
      const size_t m = nq == 0 ? 0 : RowCount(candidates.length, nq, "candidates");
      if (nq * k > kMaxResultEntries) throw UserError("queries x k is too large for one search");
      auto distances = Napi::Float32Array::New(env, nq * k);
      auto labels = Napi::TypedArrayOf<int64_t>::New(env, nq * k, napi_bigint64_array);
      float* d = distances.Data();
      int64_t* l = labels.Data();
      auto store = store_;
      return Task::Start(
          env, {info[0], info[1], distances, labels},
          [store, queries, candidates, nq, m, k, d, l] {
            CheckFinite(queries.data, queries.length, "queries");
            std::shared_lock lock(store->mutex);
            store->Live();
            std::vector<uint32_t> slots;
            for (size_t j = 0; j < nq; ++j) {
              slots.clear();
              for (size_t i = 0; i < m; ++i) {
                const int64_t id = candidates.data[j * m + i];
                if (id < 0) continue;
                auto found = store->slots.find(id);
                if (found != store->slots.end()) slots.push_back(found->second);
              }
              std::sort(slots.begin(), slots.end());
              slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
              store->Finish(queries.data + j * store->dim, slots, k, d + j * k, l + j * k);
            }
          },
          [](Napi::Env env, const Task::Kept& kept) -> Napi::Value { return Result(env, kept[2], kept[3]); });
    });
  }

  // get(ids): the fp32 vectors of these ids, in order; every id must be present.
  Napi::Value Get(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto ids = IdArg(info[0], "ids");
      auto out = Napi::Float32Array::New(env, ids.length * store_->dim);
      float* data = out.Data();
      auto store = store_;
      return Task::Start(
          env, {info[0], out},
          [store, ids, data] {
            std::shared_lock lock(store->mutex);
            store->Live();
            for (size_t i = 0; i < ids.length; ++i) {
              auto found = store->slots.find(ids.data[i]);
              if (found == store->slots.end()) throw UserError("the id " + std::to_string(ids.data[i]) + " is not in the store");
              std::memcpy(data + i * store->dim, &store->master[size_t(found->second) * store->stride], store->dim * 4);
            }
          },
          [](Napi::Env, const Task::Kept& kept) -> Napi::Value { return kept[1]; });
    });
  }

  // export(): every id and vector, copied at one instant (for building an approximate index).
  Napi::Value Export(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto store = store_;
    struct Copy {
      std::vector<int64_t> ids;
      std::vector<float> vectors;
    };
    auto copy = std::make_shared<Copy>();
    return Task::Start(
        env, {},
        [store, copy] {
          std::shared_lock lock(store->mutex);
          store->Live();
          const size_t n = store->ids.size(), dim = store->dim;
          copy->ids = store->ids;
          copy->vectors.resize(n * dim);
          for (size_t i = 0; i < n; ++i) std::memcpy(&copy->vectors[i * dim], &store->master[i * store->stride], dim * 4);
        },
        [copy](Napi::Env env, const Task::Kept& kept) -> Napi::Value {
          // Hand the buffers to JavaScript without a second copy.
          auto* ids = new std::vector<int64_t>(std::move(copy->ids));
          auto* vectors = new std::vector<float>(std::move(copy->vectors));
          auto idBuffer = Napi::ArrayBuffer::New(env, ids->data(), ids->size() * 8,
                                                 [](Napi::Env, void*, std::vector<int64_t>* v) { delete v; }, ids);
          auto vectorBuffer = Napi::ArrayBuffer::New(env, vectors->data(), vectors->size() * 4,
                                                     [](Napi::Env, void*, std::vector<float>* v) { delete v; }, vectors);
          Napi::Object result = Napi::Object::New(env);
          result.Set("ids", Napi::TypedArrayOf<int64_t>::New(env, ids->size(), idBuffer, 0, napi_bigint64_array));
          result.Set("vectors", Napi::Float32Array::New(env, vectors->size(), vectorBuffer, 0));
          return result;
        });
  }

  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string path = StringArg(info[0], "path");
      auto store = store_;
      return Task::Start(env, {}, [store, path] {
        std::shared_lock lock(store->mutex);
        store->Live();
        File file(path, "wb");
        Header header{};
        std::memcpy(header.magic, kMagic, 8);
        header.version = 1;
        header.dim = store->dim;
        header.metric = store->innerProduct ? 0 : 1;
        header.encoding = uint32_t(store->encoding);
        header.count = store->ids.size();
        file.Write(&header, sizeof header);
        file.Write(store->ids.data(), store->ids.size() * 8);
        if (store->stride == store->dim) {
          file.Write(store->master.data(), store->master.size() * 4);
        } else {
          for (size_t i = 0; i < store->ids.size(); ++i) file.Write(&store->master[i * store->stride], store->dim * 4);
        }
        file.Close();
      }, nullptr);
    });
  }

  static Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string path = StringArg(info[0], "path");
      auto slot = std::make_shared<std::unique_ptr<Store>>();
      return Task::Start(
          env, {},
          [path, slot] {
            File file(path, "rb");
            Header header{};
            file.Read(&header, sizeof header);
            if (std::memcmp(header.magic, kMagic, 8) != 0 || header.version != 1) {
              throw UserError("'" + path + "' is not an IDMatch store file");
            }
            if (header.dim == 0 || header.dim > 65536 || header.metric > 1 || header.encoding > 2) {
              throw UserError("store file '" + path + "' has a corrupt header");
            }
            std::fseek(file.handle, 0, SEEK_END);
            const uint64_t size = uint64_t(std::ftell(file.handle));
            if (size != sizeof(Header) + header.count * 8 + header.count * header.dim * 4) {
              throw UserError("store file '" + path + "' has " + std::to_string(size) + " bytes, not the size its header announces");
            }
            std::fseek(file.handle, sizeof(Header), SEEK_SET);
            auto store = std::make_unique<Store>();
            store->dim = header.dim;
            store->stride = (header.dim + 31) / 32 * 32;
            store->innerProduct = header.metric == 0;
            store->encoding = Encoding(header.encoding);
            std::vector<int64_t> ids(header.count);
            file.Read(ids.data(), ids.size() * 8);
            std::vector<float> rows(size_t(std::min<uint64_t>(header.count, 65536)) * header.dim);
            store->master.reserve(header.count * store->stride);
            store->slots.reserve(header.count);
            for (size_t done = 0; done < header.count;) {
              const size_t chunk = std::min<size_t>(65536, header.count - done);
              file.Read(rows.data(), chunk * header.dim * 4);
              CheckFinite(rows.data(), chunk * header.dim, "stored vectors");
              for (size_t i = 0; i < chunk; ++i) {
                if (store->slots.count(ids[done + i])) throw UserError("store file '" + path + "' repeats an id");
                store->Append(&rows[i * header.dim], ids[done + i]);
              }
              done += chunk;
            }
            store->count = store->ids.size();
            *slot = std::move(store);
          },
          [slot](Napi::Env env, const Task::Kept& kept) -> Napi::Value {
            return env.GetInstanceData<AddonData>()->flatStore.New({Napi::External<Store>::New(env, slot->release())});
          });
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    auto store = store_;
    return Task::Start(info.Env(), {}, [store] {
      std::unique_lock lock(store->mutex);
      store->closed = true;
      store->count = 0;
      std::vector<float>().swap(store->master);
      std::vector<uint16_t>().swap(store->halves);
      std::vector<int8_t>().swap(store->bytes);
      std::vector<float>().swap(store->scales);
      std::vector<int32_t>().swap(store->sums);
      std::vector<float>().swap(store->norms);
      std::vector<int64_t>().swap(store->ids);
      std::unordered_map<int64_t, uint32_t>().swap(store->slots);
    }, nullptr);
  }

  Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), store_->dim); }
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(store_->count.load())); }
  Napi::Value Metric(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), store_->innerProduct ? "ip" : "l2");
  }
  Napi::Value EncodingGetter(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), EncodingName(store_->encoding));
  }
  Napi::Value MemoryBytes(const Napi::CallbackInfo& info) {
    // Estimated from the count without taking the lock, so that it never waits behind a long add:
    // rows in each encoding, norms, scales, ids and the id-to-slot hash map (about 40 bytes an entry).
    const Store& s = *store_;
    const size_t row = s.stride * 4 + (s.encoding == Encoding::F16 ? s.stride * 2 : 0) +
                       (s.encoding == Encoding::I8 ? s.stride + 8 : 0) + 4 + 8 + 40;
    return Napi::Number::New(info.Env(), double(s.count.load() * row));
  }
};

}  // namespace

Napi::Function DefineFlatStore(Napi::Env env) { return FlatStore::Define(env); }

}  // namespace idm
