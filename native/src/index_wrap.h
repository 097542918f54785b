// One JavaScript class over a FAISS index, shared by the float (faiss::Index) and the binary
// (faiss::IndexBinary) flavours; the Traits type supplies what differs between them.
//
// Concurrency: every call that does work runs as a Task on the libuv pool. A reader-writer lock per
// index lets searches run side by side while train/add/remove/setParameter/close run alone, because
// FAISS indexes are safe for concurrent const searches but not for a search racing a mutation.
#pragma once

#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/io.h>

#include "common.h"

namespace idm {

// Counts the bytes FAISS would write, without writing them: a faithful, type-independent measure of
// the memory the index's data structures hold (codes, ids, graph links, centroids).
struct CountingWriter : faiss::IOWriter {
  size_t bytes = 0;
  size_t operator()(const void*, size_t size, size_t nitems) override {
    bytes += size * nitems;
    return nitems;
  }
};

template <typename Traits>
class IndexWrap : public Napi::ObjectWrap<IndexWrap<Traits>> {
 public:
  using IndexT = typename Traits::Index;
  using Code = typename Traits::Code;
  using Distance = typename Traits::Distance;
  using Self = IndexWrap<Traits>;

  struct State {
    std::shared_mutex mutex;
    std::unique_ptr<IndexT> index;
    int dim = 0;
    size_t width = 0;  // Code values per vector
    bool innerProduct = false;
    std::atomic<int64_t> ntotal{0};
    std::atomic<bool> trained{false};

    IndexT& Live() {
      if (!index) throw UserError("the index is closed");
      return *index;
    }
    void Refresh() {
      ntotal = index ? int64_t(index->ntotal) : 0;
      trained = index ? index->is_trained : false;
    }
  };

  static Napi::Function Define(Napi::Env env) {
    return Self::DefineClass(
        env, Traits::kClassName,
        {
            Self::StaticMethod("read", &Self::Read),
            Self::InstanceMethod("train", &Self::Train),
            Self::InstanceMethod("add", &Self::Add),
            Self::InstanceMethod("remove", &Self::Remove),
            Self::InstanceMethod("search", &Self::Search),
            Self::InstanceMethod("rangeSearch", &Self::RangeSearch),
            Self::InstanceMethod("setParameter", &Self::SetParameter),
            Self::InstanceMethod("write", &Self::Write),
            Self::InstanceMethod("memoryBytes", &Self::MemoryBytes),
            Self::InstanceMethod("close", &Self::Close),
            Self::InstanceAccessor("dim", &Self::Dim, nullptr),
            Self::InstanceAccessor("size", &Self::Size, nullptr),
            Self::InstanceAccessor("isTrained", &Self::IsTrained, nullptr),
            Self::InstanceAccessor("metric", &Self::Metric, nullptr),
            Self::InstanceAccessor("description", &Self::Description, nullptr),
        });
  }

  // new X(dim, factory, metric) or, internally, new X(External<IndexT>) to adopt an index read from disk.
  explicit IndexWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Self>(info) {
    Napi::Env env = info.Env();
    state_ = std::make_shared<State>();
    Guarded(env, [&]() -> Napi::Value {
      std::unique_ptr<IndexT> index;
      if (info[0].IsExternal()) {
        index.reset(info[0].As<Napi::External<IndexT>>().Data());
      } else {
        const int dim = int(IntegerArg(info[0], "dim", 1, Traits::kMaxDim));
        const std::string factory = StringArg(info[1], "factory");
        const std::string metric = info[2].IsUndefined() ? "l2" : StringArg(info[2], "metric");
        description_ = factory;
        index.reset(Traits::Create(dim, factory, metric));
      }
      Adopt(std::move(index));
      return env.Undefined();
    });
  }

 private:
  std::shared_ptr<State> state_;
  std::string description_;

  void Adopt(std::unique_ptr<IndexT> index) {
    state_->dim = int(index->d);
    state_->width = Traits::Width(index->d);
    state_->innerProduct = Traits::IsInnerProduct(*index);
    state_->index = Traits::WithIds(std::move(index));
    state_->Refresh();
  }

  static Napi::Value Read(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string path = StringArg(info[0], "path");
      auto slot = std::make_shared<IndexT*>(nullptr);
      return Task::Start(
          env, {},
          [path, slot] {
            CheckReadable(path);
            *slot = Traits::ReadFile(path);
          },
          [slot](Napi::Env env, const Task::Kept& kept) -> Napi::Value {
            return Traits::Constructor(env).New({Napi::External<IndexT>::New(env, *slot)});
          });
    });
  }

  Napi::Value Train(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto vectors = Traits::CodeArg(info[0], "training vectors");
      const size_t n = RowCount(vectors.length, state_->width, "training vectors");
      if (n == 0) throw UserError("training needs at least one vector");
      auto state = state_;
      return Task::Start(env, {info[0]}, [state, vectors, n] {
        Traits::CheckCodes(vectors.data, vectors.length, "training vectors");
        std::unique_lock lock(state->mutex);
        state->Live().train(n, vectors.data);
        state->Refresh();
      }, nullptr);
    });
  }

  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto vectors = Traits::CodeArg(info[0], "vectors");
      auto ids = IdArg(info[1], "ids");
      const size_t n = RowCount(vectors.length, state_->width, "vectors");
      if (ids.length != n) {
        throw UserError("got " + std::to_string(n) + " vectors but " + std::to_string(ids.length) + " ids");
      }
      auto state = state_;
      return Task::Start(env, {info[0], info[1]}, [state, vectors, ids, n] {
        if (n == 0) return;
        Traits::CheckCodes(vectors.data, vectors.length, "vectors");
        CheckUniqueIds(ids.data, n, "ids");
        std::unique_lock lock(state->mutex);
        IndexT& index = state->Live();
        if (!index.is_trained) throw UserError("the index is not trained: call train() with sample vectors first");
        index.add_with_ids(n, vectors.data, ids.data);
        state->Refresh();
      }, nullptr);
    });
  }

  Napi::Value Remove(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto ids = IdArg(info[0], "ids");
      auto state = state_;
      auto removed = std::make_shared<size_t>(0);
      return Task::Start(
          env, {info[0]},
          [state, ids, removed] {
            std::unique_lock lock(state->mutex);
            IndexT& index = state->Live();
            if (ids.length == 0) return;
            faiss::IDSelectorBatch selector(ids.length, ids.data);
            *removed = index.remove_ids(selector);
            state->Refresh();
          },
          [removed](Napi::Env env, const Task::Kept& kept) -> Napi::Value { return Napi::Number::New(env, double(*removed)); });
    });
  }

  Napi::Value Search(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto queries = Traits::CodeArg(info[0], "queries");
      const int64_t k = IntegerArg(info[1], "k", 1, 1 << 20);
      const size_t n = RowCount(queries.length, state_->width, "queries");
      if (n * size_t(k) > kMaxResultEntries) throw UserError("queries x k is too large for one search");
      auto distances = Traits::NewDistances(env, n * size_t(k));
      auto labels = Napi::TypedArrayOf<int64_t>::New(env, n * size_t(k), napi_bigint64_array);
      Distance* distanceData = distances.Data();
      int64_t* labelData = labels.Data();
      auto state = state_;
      return Task::Start(
          env, {info[0], distances, labels},
          [state, queries, n, k, distanceData, labelData] {
            Traits::CheckCodes(queries.data, queries.length, "queries");
            std::shared_lock lock(state->mutex);
            IndexT& index = state->Live();
            if (!index.is_trained) throw UserError("the index is not trained: call train() with sample vectors first");
            if (n == 0) return;
            if (index.ntotal == 0) {
              // Some index types (HNSW) assume at least one stored vector; answer "nothing" ourselves.
              std::fill(labelData, labelData + n * k, int64_t(-1));
              std::fill(distanceData, distanceData + n * k, Traits::Worst(state->innerProduct));
              return;
            }
            index.search(n, queries.data, k, distanceData, labelData);
          },
          [](Napi::Env env, const Task::Kept& kept) -> Napi::Value {
            Napi::Object result = Napi::Object::New(env);
            result.Set("distances", kept[1]);
            result.Set("labels", kept[2]);
            return result;
          });
    });
  }

  Napi::Value RangeSearch(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto queries = Traits::CodeArg(info[0], "queries");
      const double radius = NumberArg(info[1], "radius");
      const size_t n = RowCount(queries.length, state_->width, "queries");
      auto state = state_;
      auto result = std::make_shared<faiss::RangeSearchResult>(n);
      return Task::Start(
          env, {info[0]},
          [state, queries, n, radius, result] {
            Traits::CheckCodes(queries.data, queries.length, "queries");
            std::shared_lock lock(state->mutex);
            IndexT& index = state->Live();
            if (!index.is_trained) throw UserError("the index is not trained: call train() with sample vectors first");
            if (n == 0 || index.ntotal == 0) {
              std::fill(result->lims, result->lims + n + 1, size_t(0));
              return;
            }
            Traits::RangeSearch(index, n, queries.data, radius, result.get());
          },
          [result, n](Napi::Env env, const Task::Kept& kept) -> Napi::Value {
            const size_t total = result->lims[n];
            auto offsets = Napi::Uint32Array::New(env, n + 1);
            for (size_t i = 0; i <= n; ++i) offsets[i] = uint32_t(result->lims[i]);
            auto distances = Traits::NewDistances(env, total);
            auto labels = Napi::TypedArrayOf<int64_t>::New(env, total, napi_bigint64_array);
            for (size_t i = 0; i < total; ++i) {
              distances[i] = Distance(result->distances[i]);
              labels[i] = result->labels[i];
            }
            Napi::Object object = Napi::Object::New(env);
            object.Set("offsets", offsets);
            object.Set("distances", distances);
            object.Set("labels", labels);
            return object;
          });
    });
  }

  Napi::Value SetParameter(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string name = StringArg(info[0], "parameter name");
      const double value = NumberArg(info[1], "parameter value");
      auto state = state_;
      return Task::Start(env, {}, [state, name, value] {
        std::unique_lock lock(state->mutex);
        Traits::SetParameter(state->Live(), name, value);
      }, nullptr);
    });
  }

  Napi::Value Write(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      const std::string path = StringArg(info[0], "path");
      auto state = state_;
      return Task::Start(env, {}, [state, path] {
        std::shared_lock lock(state->mutex);
        Traits::WriteFile(state->Live(), path);
      }, nullptr);
    });
  }

  Napi::Value MemoryBytes(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    return Guarded(env, [&]() -> Napi::Value {
      auto state = state_;
      auto bytes = std::make_shared<size_t>(0);
      return Task::Start(
          env, {},
          [state, bytes] {
            std::shared_lock lock(state->mutex);
            CountingWriter writer;
            Traits::WriteTo(state->Live(), &writer);
            *bytes = writer.bytes;
          },
          [bytes](Napi::Env env, const Task::Kept& kept) -> Napi::Value { return Napi::Number::New(env, double(*bytes)); });
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto state = state_;
    return Task::Start(env, {}, [state] {
      std::unique_lock lock(state->mutex);
      state->index.reset();
      state->Refresh();
    }, nullptr);
  }

  Napi::Value Dim(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), state_->dim); }
  Napi::Value Size(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), double(state_->ntotal.load()));
  }
  Napi::Value IsTrained(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), state_->trained.load());
  }
  Napi::Value Metric(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), Traits::MetricName(state_->innerProduct));
  }
  Napi::Value Description(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), description_);
  }
};

}  // namespace idm
