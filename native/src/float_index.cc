// FaissIndex: float vectors, inner-product or L2 metric, any index-factory string.
#include <faiss/AutoTune.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include "index_wrap.h"

namespace idm {

struct FloatTraits {
  using Index = faiss::Index;
  using Code = float;
  using Distance = float;
  static constexpr const char* kClassName = "FaissIndex";
  static constexpr int64_t kMaxDim = 65536;

  static size_t Width(int64_t dim) { return size_t(dim); }
  static View<float> CodeArg(const Napi::Value& value, const char* name) { return FloatArg(value, name); }
  static void CheckCodes(const float* data, size_t length, const char* name) { CheckFinite(data, length, name); }
  static Napi::Float32Array NewDistances(Napi::Env env, size_t n) { return Napi::Float32Array::New(env, n); }
  static float Worst(bool innerProduct) {
    return innerProduct ? -std::numeric_limits<float>::infinity() : std::numeric_limits<float>::infinity();
  }
  static bool IsInnerProduct(const faiss::Index& index) { return index.metric_type == faiss::METRIC_INNER_PRODUCT; }
  static const char* MetricName(bool innerProduct) { return innerProduct ? "ip" : "l2"; }

  static faiss::Index* Create(int dim, const std::string& factory, const std::string& metric) {
    faiss::MetricType type;
    if (metric == "ip") {
      type = faiss::METRIC_INNER_PRODUCT;
    } else if (metric == "l2") {
      type = faiss::METRIC_L2;
    } else {
      throw UserError("metric must be 'ip' or 'l2', got '" + metric + "'");
    }
    try {
      return faiss::index_factory(dim, factory.c_str(), type);
    } catch (const faiss::FaissException& e) {
      throw UserError("cannot build an index from the factory string '" + factory + "': " + CleanFaissMessage(e.msg));
    }
  }

  // Indexes that keep caller ids themselves (IVF, an explicit IDMap) stay as they are; the others
  // (flat, HNSW, SQ, PQ) number vectors 0..n-1, so they get an IDMap in front.
  static bool KeepsIds(faiss::Index* index) {
    if (dynamic_cast<faiss::IndexIDMap*>(index) || dynamic_cast<faiss::IndexIVF*>(index)) return true;
    if (auto* pre = dynamic_cast<faiss::IndexPreTransform*>(index)) return KeepsIds(pre->index);
    return false;
  }
  static std::unique_ptr<faiss::Index> WithIds(std::unique_ptr<faiss::Index> index) {
    if (KeepsIds(index.get())) return index;
    auto* map = new faiss::IndexIDMap(index.release());
    map->own_fields = true;
    return std::unique_ptr<faiss::Index>(map);
  }

  static faiss::Index* Unwrapped(faiss::Index* index) {
    if (auto* map = dynamic_cast<faiss::IndexIDMap*>(index)) return Unwrapped(map->index);
    return index;
  }

  static void SetParameter(faiss::Index& index, const std::string& name, double value) {
    faiss::Index* inner = Unwrapped(&index);
    if (name == "efSearch" && dynamic_cast<faiss::IndexHNSW*>(inner) == nullptr) {
      throw UserError("efSearch applies to HNSW indexes only");
    }
    if (name == "nprobe" && dynamic_cast<faiss::IndexIVF*>(inner) == nullptr) {
      throw UserError("nprobe applies to IVF indexes only");
    }
    if (value < 0) throw UserError("parameter " + name + " must not be negative");
    try {
      faiss::ParameterSpace().set_index_parameter(inner, name, value);
    } catch (const faiss::FaissException& e) {
      throw UserError("cannot set parameter '" + name + "': " + CleanFaissMessage(e.msg));
    }
  }

  static void RangeSearch(faiss::Index& index, size_t n, const float* x, double radius, faiss::RangeSearchResult* out) {
    index.range_search(n, x, float(radius), out);
  }

  static faiss::Index* ReadFile(const std::string& path) {
    try {
      return faiss::read_index(path.c_str());
    } catch (const faiss::FaissException& e) {
      throw UserError("'" + path + "' is not a readable FAISS index (damaged, truncated or another kind): " +
                      CleanFaissMessage(e.msg));
    }
  }
  static void WriteFile(const faiss::Index& index, const std::string& path) { faiss::write_index(&index, path.c_str()); }
  static void WriteTo(const faiss::Index& index, faiss::IOWriter* writer) { faiss::write_index(&index, writer); }
  static Napi::FunctionReference& Constructor(Napi::Env env) { return env.GetInstanceData<AddonData>()->floatIndex; }
};

Napi::Function DefineFloatIndex(Napi::Env env) { return IndexWrap<FloatTraits>::Define(env); }

}  // namespace idm
