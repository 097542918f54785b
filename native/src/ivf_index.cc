// IvfIndex: an inverted-file index whose lists hold int8 codes scanned by our kernels.
//
// FAISS trains the centroids (k-means through BLAS); everything on the query path is ours, because
// Debian's FAISS is compiled for baseline x86-64 and computes each vector distance with scalar code
// (about 0.5 us per 512-d vector here, against ~10 ns for a VNNI int8 row). A query scores the
// centroids, scans the int8 rows of the `nprobe` best lists (the same quantisation as FlatStore's i8
// encoding) and returns the k best by approximate score; the gallery re-scores them exactly against
// its FlatStore. Removal is immediate (swap-remove inside a list).
#include <faiss/Clustering.h>
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <numeric>
#include <shared_mutex>
#include <unordered_map>
#include <vector>

#include "common.h"
#include "scan.h"
#include "top_m.h"

namespace idm {
namespace {

constexpr char kMagic[8] = {'I', 'D', 'M', 'I', 'V', 'F', '8', '1'};
constexpr size_t kBlockRows = 256;

struct List {
  std::vector<int8_t> codes;  // size x stride
  std::vector<float> scales;
  std::vector<int32_t> sums;
  std::vector<float> norms;  // ||x||^2 of the original vector (L2 scores)
  std::vector<int64_t> ids;
};

struct Header {
  char magic[8];
  uint32_t version, dim, nlist, metric, nprobe, trained;
  uint64_t count;
};

struct Ivf {
  std::shared_mutex mutex;
  bool closed = false;
  uint32_t dim = 0, stride = 0, nlist = 0, nprobe = 16;
  bool innerProduct = true;
  bool trained = false;
  std::vector<float> centroids;  // nlist x stride
  std::vector<float> centroidNorms;
  std::vector<List> lists;
  std::unordered_map<int64_t, std::pair<uint32_t, uint32_t>> where;  // id -> (list, position)
  std::atomic<size_t> count{0};

  void Live() const {
    if (closed) throw UserError("the index is closed");
  }
  void Trained() const {
    if (!trained) throw UserError("the index is not trained: call train() with sample vectors first");
  }

  void Train(const float* x, size_t n) {
    // 10 iterations over at most 40 points per list: k-means for 4096 lists over 512-d costs ~7 TFLOP
    // of sgemm this way (a few minutes on two cores) instead of ~22 with FAISS's IVF defaults, and the
    // coarse partition only decides which lists a query scans. (FAISS warns below 39 points a list.)
    faiss::ClusteringParameters parameters;
    parameters.niter = 10;
    parameters.max_points_per_centroid = 40;
    parameters.seed = 1234;
    faiss::Clustering clustering(int(dim), int(nlist), parameters);
    faiss::IndexFlatL2 assigner(dim);
    clustering.train(n, x, assigner);
    centroids.assign(size_t(nlist) * stride, 0.0f);
    centroidNorms.assign(nlist, 0.0f);
    for (uint32_t c = 0; c < nlist; ++c) {
      std::memcpy(&centroids[size_t(c) * stride], &clustering.centroids[size_t(c) * dim], dim * sizeof(float));
      double norm = 0;
      for (uint32_t i = 0; i < dim; ++i) norm += double(clustering.centroids[size_t(c) * dim + i]) * clustering.centroids[size_t(c) * dim + i];
      centroidNorms[c] = float(norm);
    }
    lists.assign(nlist, List());
    where.clear();
    count = 0;
    trained = true;
  }

  // Coarse scores, higher is better: q.c - |c|^2/2 = -|q-c|^2/2 + const, i.e. the nearest centroid by
  // L2 for both metrics, as k-means assigned the training vectors. (Probing inner-product galleries
  // by q.c alone favours the centroids with larger norms and lost 5 points of recall@10.)
  void Coarse(const scan::Kernels& kernels, const float* q, float* out) const {
    kernels.dotF32(q, centroids.data(), nlist, stride, out);
    for (uint32_t c = 0; c < nlist; ++c) out[c] -= 0.5f * centroidNorms[c];
  }

  void Append(uint32_t l, const float* row, int64_t id) {
    List& list = lists[l];
    const size_t position = list.ids.size();
    list.codes.resize((position + 1) * stride, 0);
    float maxAbs = 0;
    double norm = 0;
    for (uint32_t i = 0; i < dim; ++i) {
      maxAbs = std::max(maxAbs, std::fabs(row[i]));
      norm += double(row[i]) * row[i];
    }
    const float scale = maxAbs > 0 ? maxAbs / 127.0f : 1.0f;
    int8_t* codes = &list.codes[position * stride];
    int32_t sum = 0;
    for (uint32_t i = 0; i < dim; ++i) {
      codes[i] = int8_t(std::lrint(std::clamp(row[i] / scale, -127.0f, 127.0f)));
      sum += codes[i];
    }
    list.scales.push_back(scale);
    list.sums.push_back(sum);
    list.norms.push_back(float(norm));
    list.ids.push_back(id);
    where[id] = {l, uint32_t(position)};
  }

  void Erase(uint32_t l, uint32_t position) {
    List& list = lists[l];
    const size_t last = list.ids.size() - 1;
    where.erase(list.ids[position]);
    if (position != last) {
      std::memcpy(&list.codes[position * size_t(stride)], &list.codes[last * stride], stride);
      list.scales[position] = list.scales[last];
      list.sums[position] = list.sums[last];
      list.norms[position] = list.norms[last];
      list.ids[position] = list.ids[last];
      where[list.ids[position]] = {l, position};
    }
    list.codes.resize(last * stride);
    list.scales.resize(last);
    list.sums.resize(last);
    list.norms.resize(last);
    list.ids.resize(last);
  }

  struct Scratch {
    std::vector<float> q, coarse, dots;
    std::vector<uint32_t> order, hits;
    std::vector<uint8_t> qi;
    std::vector<int32_t> idots;
  };

  void SearchOne(const scan::Kernels& kernels, const float* query, size_t k, uint32_t probes, Scratch& s, float* distances,
                 int64_t* labels) const {
    s.q.assign(stride, 0.0f);
    std::memcpy(s.q.data(), query, dim * sizeof(float));
    s.coarse.resize(nlist);
    Coarse(kernels, s.q.data(), s.coarse.data());
    s.order.resize(nlist);
    std::iota(s.order.begin(), s.order.end(), 0u);
    probes = std::min(probes, nlist);
    std::partial_sort(s.order.begin(), s.order.begin() + probes, s.order.end(),
                      [&](uint32_t a, uint32_t b) { return s.coarse[a] > s.coarse[b]; });

    // The query as shifted unsigned bytes, as in FlatStore's i8 scan.
    const int32_t offset = kernels.i8QueryOffset;
    float maxAbs = 0;
    double qnorm = 0;
    for (uint32_t i = 0; i < dim; ++i) {
      maxAbs = std::max(maxAbs, std::fabs(s.q[i]));
      qnorm += double(s.q[i]) * s.q[i];
    }
    const float qscale = maxAbs > 0 ? maxAbs / float(kernels.i8QueryMax) : 1.0f;
    s.qi.assign(stride, uint8_t(offset));
    for (uint32_t i = 0; i < dim; ++i) {
      const long level = std::clamp(std::lrint(s.q[i] / qscale), -long(kernels.i8QueryMax), long(kernels.i8QueryMax));
      s.qi[i] = uint8_t(level + offset);
    }

    BasicTopM<int64_t> heap(k);
    s.idots.resize(kBlockRows);
    s.dots.resize(kBlockRows);
    s.hits.resize(kBlockRows);
    for (uint32_t p = 0; p < probes; ++p) {
      const List& list = lists[s.order[p]];
      const size_t n = list.ids.size();
      for (size_t block = 0; block < n; block += kBlockRows) {
        const size_t rows = std::min(kBlockRows, n - block);
        kernels.dotI8(s.qi.data(), &list.codes[block * stride], rows, stride, s.idots.data());
        kernels.scaleI8(s.idots.data(), &list.sums[block], &list.scales[block], offset, qscale, rows, s.dots.data());
        if (!innerProduct) {
          for (size_t r = 0; r < rows; ++r) s.dots[r] = 2.0f * s.dots[r] - list.norms[block + r];
        }
        const size_t passed = kernels.above(s.dots.data(), rows, heap.Threshold(), s.hits.data());
        for (size_t h = 0; h < passed; ++h) {
          const uint32_t r = s.hits[h];
          if (s.dots[r] > heap.Threshold()) heap.Push(s.dots[r], list.ids[block + r]);
        }
      }
    }
    auto& found = heap.heap;
    std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    for (size_t j = 0; j < k; ++j) {
      if (j < found.size()) {
        distances[j] = innerProduct ? found[j].first : float(qnorm) - found[j].first;
        labels[j] = found[j].second;
      } else {
        distances[j] = innerProduct ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
        labels[j] = -1;
      }
    }
  }
};

struct File {
  FILE* handle;
  std::string path;
  File(const std::string& p, const char* mode) : handle(std::fopen(p.c_str(), mode)), path(p) {
    if (handle == nullptr) {
      throw UserError(std::string("cannot ") + (mode[0] == 'r' ? "read" : "write") + " index file '" + p + "': " + std::strerror(errno));
    }
  }
  ~File() {
    if (handle) std::fclose(handle);
  }
  void Write(const void* data, size_t size) {
    if (size && std::fwrite(data, 1, size, handle) != size) throw UserError("cannot write index file '" + path + "': " + std::strerror(errno));
  }
  void Read(void* data, size_t size) {
    if (size && std::fread(data, 1, size, handle) != size) throw UserError("index file '" + path + "' is truncated or unreadable");
  }
  void Close() {
    FILE* h = handle;
    handle = nullptr;
    if (std::fclose(h) != 0) throw UserError("cannot write index file '" + path + "': " + std::strerror(errno));
  }
};

class IvfIndex : public Napi::ObjectWrap<IvfIndex> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "IvfIndex",
                       {
                           StaticMethod("read", &IvfIndex::Read),
                           InstanceMethod("train", &IvfIndex::Train),
                           InstanceMethod("add", &IvfIndex::Add),
                           InstanceMethod("remove", &IvfIndex::Remove),
                           InstanceMethod("search", &IvfIndex::Search),
                           InstanceMethod("setParameter", &IvfIndex::SetParameter),
                           InstanceMethod("write", &IvfIndex::Write),
                           InstanceMethod("close", &IvfIndex::Close),
                           InstanceAccessor("dim", &IvfIndex::Dim, nullptr),
                           InstanceAccessor("size", &IvfIndex::Size, nullptr),
                           InstanceAccessor("nlist", &IvfIndex::Nlist, nullptr),
                           InstanceAccessor("nprobe", &IvfIndex::Nprobe, nullptr),
                           InstanceAccessor("isTrained", &IvfIndex::IsTrained, nullptr),
                           InstanceAccessor("metric", &IvfIndex::Metric, nullptr),
                           InstanceAccessor("memoryBytes", &IvfIndex::MemoryBytes, nullptr),
                       });
  }

  // new IvfIndex(dim, metric, nlist) or, internally, new IvfIndex(External<Ivf>).
  explicit IvfIndex(const Napi::CallbackInfo& info) : Napi::ObjectWrap<IvfIndex>(info) {
    Napi::Env env = info.Env();
    Guarded(env, [&]() -> Napi::Value {
      if (info[0].IsExternal()) {
        ivf_.reset(info[0].As<Napi::External<Ivf>>().Data());
        return env.Undefined();
      }
      ivf_ = std::make_shared<Ivf>();
      ivf_->dim = uint32_t(IntegerArg(info[0], "dim", 1, 4096));
      const std::string metric = StringArg(info[1], "metric");
      if (metric != "ip" && metric != "l2") throw UserError("metric must be 'ip' or 'l2', got '" + metric + "'");
      ivf_->innerProduct = metric == "ip";
      ivf_->nlist = uint32_t(IntegerArg(info[2], "nlist", 1, 1 << 20));
      ivf_->stride = (ivf_->dim + 31) / 32 * 32;
      return env.Undefined();
    });
  }

 private:
  std::shared_ptr<Ivf> ivf_;

  Napi::Value Train(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto vectors = FloatArg(info[0], "training vectors");
      const size_t n = RowCount(vectors.length, ivf_->dim, "training vectors");
      if (n < ivf_->nlist) {
        throw UserError("training needs at least as many vectors as lists (" + std::to_string(ivf_->nlist) + "), got " + std::to_string(n));
      }
      auto ivf = ivf_;
      return Task::Start(env, {info[0]}, [ivf, vectors, n] {
        CheckFinite(vectors.data, vectors.length, "training vectors");
        std::unique_lock lock(ivf->mutex);
        ivf->Live();
        if (ivf->count > 0) throw UserError("the index already holds vectors: train it before adding");
        ivf->Train(vectors.data, n);
      }, nullptr);
    });
  }

  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto vectors = FloatArg(info[0], "vectors");
      auto ids = IdArg(info[1], "ids");
      const size_t n = RowCount(vectors.length, ivf_->dim, "vectors");
      if (ids.length != n) throw UserError("got " + std::to_string(n) + " vectors but " + std::to_string(ids.length) + " ids");
      auto ivf = ivf_;
      return Task::Start(env, {info[0], info[1]}, [ivf, vectors, ids, n] {
        CheckFinite(vectors.data, vectors.length, "vectors");
        CheckUniqueIds(ids.data, n, "ids");
        const auto& kernels = scan::BestKernels();
        // Assign outside the lock (centroids only change in train, which also excludes adds of
        // vectors, so a shared lock is enough here).
        std::vector<uint32_t> assigned(n);
        {
          std::shared_lock lock(ivf->mutex);
          ivf->Live();
          ivf->Trained();
          const uint32_t stride = ivf->stride, dim = ivf->dim;
#pragma omp parallel num_threads(n >= 256 ? omp_get_num_procs() : 1)
          {
            std::vector<float> q(stride, 0.0f), coarse(ivf->nlist);
#pragma omp for schedule(static)
            for (size_t i = 0; i < n; ++i) {
              std::memcpy(q.data(), vectors.data + i * dim, dim * sizeof(float));
              ivf->Coarse(kernels, q.data(), coarse.data());
              assigned[i] = uint32_t(std::max_element(coarse.begin(), coarse.end()) - coarse.begin());
            }
          }
        }
        std::unique_lock lock(ivf->mutex);
        ivf->Live();
        for (size_t i = 0; i < n; ++i) {
          if (ivf->where.count(ids.data[i])) throw UserError("the id " + std::to_string(ids.data[i]) + " is already in the index");
        }
        for (size_t i = 0; i < n; ++i) ivf->Append(assigned[i], vectors.data + i * ivf->dim, ids.data[i]);
        ivf->count = ivf->where.size();
      }, nullptr);
    });
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto ids = IdArg(info[0], "ids");
      auto ivf = ivf_;
      auto removed = std::make_shared<size_t>(0);
      return Task::Start(
          env, {info[0]},
          [ivf, ids, removed] {
            std::unique_lock lock(ivf->mutex);
            ivf->Live();
            for (size_t i = 0; i < ids.length; ++i) {
              auto found = ivf->where.find(ids.data[i]);
              if (found == ivf->where.end()) continue;
              ivf->Erase(found->second.first, found->second.second);
              ++*removed;
            }
            ivf->count = ivf->where.size();
          },
          [removed](Napi::Env env, const Task::Kept&) -> Napi::Value { return Napi::Number::New(env, double(*removed)); });
    });
  }

  // search(queries, k, nprobe?): approximate scores (int8), best first.
  Napi::Value Search(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto queries = FloatArg(info[0], "queries");
      const size_t k = size_t(IntegerArg(info[1], "k", 1, 1 << 20));
      const int64_t probes = info[2].IsUndefined() ? 0 : IntegerArg(info[2], "nprobe", 1, 1 << 20);
      const size_t nq = RowCount(queries.length, ivf_->dim, "queries");
      if (nq * k > kMaxResultEntries) throw UserError("queries x k is too large for one search");
      auto distances = Napi::Float32Array::New(env, nq * k);
      auto labels = Napi::TypedArrayOf<int64_t>::New(env, nq * k, napi_bigint64_array);
      float* d = distances.Data();
      int64_t* l = labels.Data();
      auto ivf = ivf_;
      return Task::Start(
          env, {info[0], distances, labels},
          [ivf, queries, nq, k, probes, d, l] {
            CheckFinite(queries.data, queries.length, "queries");
            std::shared_lock lock(ivf->mutex);
            ivf->Live();
            ivf->Trained();
            const auto& kernels = scan::BestKernels();
            const uint32_t nprobe = probes > 0 ? uint32_t(probes) : ivf->nprobe;
#pragma omp parallel num_threads(nq > 1 ? omp_get_num_procs() : 1)
            {
              Ivf::Scratch scratch;
#pragma omp for schedule(dynamic, 1)
              for (size_t j = 0; j < nq; ++j) {
                ivf->SearchOne(kernels, queries.data + j * ivf->dim, k, nprobe, scratch, d + j * k, l + j * k);
              }
            }
          },
          [](Napi::Env env, const Task::Kept& kept) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("distances", kept[1]);
            result.Set("labels", kept[2]);
            return result;
          });
    });
  }

  Napi::Value SetParameter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string name = StringArg(info[0], "parameter name");
      if (name != "nprobe") throw UserError("unknown IvfIndex parameter '" + name + "' (known: nprobe)");
      const uint32_t value = uint32_t(IntegerArg(info[1], "nprobe", 1, 1 << 20));
      auto ivf = ivf_;
      return Task::Start(env, {}, [ivf, value] {
        std::unique_lock lock(ivf->mutex);
        ivf->nprobe = value;
      }, nullptr);
    });
  }

  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string path = StringArg(info[0], "path");
      auto ivf = ivf_;
      return Task::Start(env, {}, [ivf, path] {
        std::shared_lock lock(ivf->mutex);
        ivf->Live();
        File file(path, "wb");
        Header header{};
        std::memcpy(header.magic, kMagic, 8);
        header.version = 1;
        header.dim = ivf->dim;
        header.nlist = ivf->nlist;
        header.metric = ivf->innerProduct ? 0 : 1;
        header.nprobe = ivf->nprobe;
        header.trained = ivf->trained ? 1 : 0;
        header.count = ivf->where.size();
        file.Write(&header, sizeof header);
        if (ivf->trained) {
          file.Write(ivf->centroids.data(), ivf->centroids.size() * 4);
          for (const List& list : ivf->lists) {
            const uint64_t size = list.ids.size();
            file.Write(&size, 8);
            file.Write(list.ids.data(), size * 8);
            file.Write(list.codes.data(), list.codes.size());
            file.Write(list.scales.data(), size * 4);
            file.Write(list.sums.data(), size * 4);
            file.Write(list.norms.data(), size * 4);
          }
        }
        file.Close();
      }, nullptr);
    });
  }

  static Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string path = StringArg(info[0], "path");
      auto slot = std::make_shared<std::unique_ptr<Ivf>>();
      return Task::Start(
          env, {},
          [path, slot] {
            File file(path, "rb");
            Header header{};
            file.Read(&header, sizeof header);
            if (std::memcmp(header.magic, kMagic, 8) != 0 || header.version != 1) {
              throw UserError("'" + path + "' is not an IDMatch IVF index file");
            }
            if (header.dim == 0 || header.dim > 4096 || header.nlist == 0 || header.nlist > (1u << 20) || header.metric > 1) {
              throw UserError("IVF index file '" + path + "' has a corrupt header");
            }
            auto ivf = std::make_unique<Ivf>();
            ivf->dim = header.dim;
            ivf->stride = (header.dim + 31) / 32 * 32;
            ivf->nlist = header.nlist;
            ivf->innerProduct = header.metric == 0;
            ivf->nprobe = std::max<uint32_t>(1, header.nprobe);
            ivf->trained = header.trained != 0;
            if (ivf->trained) {
              ivf->centroids.resize(size_t(ivf->nlist) * ivf->stride);
              file.Read(ivf->centroids.data(), ivf->centroids.size() * 4);
              CheckFinite(ivf->centroids.data(), ivf->centroids.size(), "stored centroids");
              ivf->centroidNorms.resize(ivf->nlist);
              for (uint32_t c = 0; c < ivf->nlist; ++c) {
                double norm = 0;
                for (uint32_t i = 0; i < ivf->dim; ++i) norm += double(ivf->centroids[size_t(c) * ivf->stride + i]) * ivf->centroids[size_t(c) * ivf->stride + i];
                ivf->centroidNorms[c] = float(norm);
              }
              ivf->lists.resize(ivf->nlist);
              ivf->where.reserve(header.count);
              uint64_t total = 0;
              for (uint32_t l = 0; l < ivf->nlist; ++l) {
                List& list = ivf->lists[l];
                uint64_t size = 0;
                file.Read(&size, 8);
                total += size;
                if (total > header.count) throw UserError("IVF index file '" + path + "' is corrupt (lists hold more than its count)");
                list.ids.resize(size);
                list.codes.resize(size * ivf->stride);
                list.scales.resize(size);
                list.sums.resize(size);
                list.norms.resize(size);
                file.Read(list.ids.data(), size * 8);
                file.Read(list.codes.data(), list.codes.size());
                file.Read(list.scales.data(), size * 4);
                file.Read(list.sums.data(), size * 4);
                file.Read(list.norms.data(), size * 4);
                for (uint64_t p = 0; p < size; ++p) {
                  if (!ivf->where.emplace(list.ids[p], std::make_pair(l, uint32_t(p))).second) {
                    throw UserError("IVF index file '" + path + "' repeats an id");
                  }
                }
              }
              if (total != header.count) throw UserError("IVF index file '" + path + "' is corrupt (count mismatch)");
            }
            ivf->count = ivf->where.size();
            *slot = std::move(ivf);
          },
          [slot](Napi::Env env, const Task::Kept&) -> Napi::Value {
            return env.GetInstanceData<AddonData>()->ivfIndex.New({Napi::External<Ivf>::New(env, slot->release())});
          });
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    auto ivf = ivf_;
    return Task::Start(info.Env(), {}, [ivf] {
      std::unique_lock lock(ivf->mutex);
      ivf->closed = true;
      ivf->count = 0;
      std::vector<List>().swap(ivf->lists);
      std::vector<float>().swap(ivf->centroids);
      std::unordered_map<int64_t, std::pair<uint32_t, uint32_t>>().swap(ivf->where);
    }, nullptr);
  }

  Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ivf_->dim); }
  Napi::Value Size(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(ivf_->count.load())); }
  Napi::Value Nlist(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ivf_->nlist); }
  Napi::Value Nprobe(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), ivf_->nprobe); }
  Napi::Value IsTrained(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), ivf_->trained); }
  Napi::Value Metric(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), ivf_->innerProduct ? "ip" : "l2"); }
  Napi::Value MemoryBytes(const Napi::CallbackInfo& info) {
    // Estimated without the lock: codes, scale, sum, norm, id and the id map (~40 bytes) per vector.
    const Ivf& ivf = *ivf_;
    const double perVector = double(ivf.stride) + 4 + 4 + 4 + 8 + 40;
    return Napi::Number::New(info.Env(), double(ivf.count.load()) * perVector + double(ivf.nlist) * ivf.stride * 4);
  }
};

}  // namespace

Napi::Function DefineIvfIndex(Napi::Env env) { return IvfIndex::Define(env); }

}  // namespace idm
