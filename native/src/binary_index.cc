// BinaryIndex: bit codes under Hamming distance (fingerprint codes); flat, IVF or HNSW.
#include <faiss/IndexBinaryHNSW.h>
#include <faiss/IndexBinaryIVF.h>
#include <faiss/IndexIDMap.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>

#include "index_wrap.h"

namespace idm {

struct BinaryTraits {
  using Index = faiss::IndexBinary;
  using Code = uint8_t;
  using Distance = int32_t;
  static constexpr const char* kClassName = "BinaryIndex";
  static constexpr int64_t kMaxDim = 65536;

  static size_t Width(int64_t bits) { return size_t(bits / 8); }
  static View<uint8_t> CodeArg(const Napi::Value& value, const char* name) { return ByteArg(value, name); }
  static void CheckCodes(const uint8_t*, size_t, const char*) {}
  static Napi::Int32Array NewDistances(Napi::Env env, size_t n) { return Napi::Int32Array::New(env, n); }
  static int32_t Worst(bool) { return std::numeric_limits<int32_t>::max(); }
  static bool IsInnerProduct(const faiss::IndexBinary&) { return false; }
  static const char* MetricName(bool) { return "hamming"; }

  static faiss::IndexBinary* Create(int bits, const std::string& factory, const std::string& metric) {
    if (bits % 8 != 0) throw UserError("a binary index needs a dimension in bits that is a multiple of 8, got " + std::to_string(bits));
    if (metric != "hamming" && metric != "l2") throw UserError("binary indexes use the Hamming metric, got '" + metric + "'");
    try {
      return faiss::index_binary_factory(bits, factory.c_str());
    } catch (const faiss::FaissException& e) {
      throw UserError("cannot build a binary index from the factory string '" + factory + "': " + CleanFaissMessage(e.msg));
    }
  }

  static std::unique_ptr<faiss::IndexBinary> WithIds(std::unique_ptr<faiss::IndexBinary> index) {
    if (dynamic_cast<faiss::IndexBinaryIDMap*>(index.get()) || dynamic_cast<faiss::IndexBinaryIVF*>(index.get())) {
      return index;
    }
    auto* map = new faiss::IndexBinaryIDMap(index.release());
    map->own_fields = true;
    return std::unique_ptr<faiss::IndexBinary>(map);
  }

  static faiss::IndexBinary* Unwrapped(faiss::IndexBinary* index) {
    if (auto* map = dynamic_cast<faiss::IndexBinaryIDMap*>(index)) return Unwrapped(map->index);
    return index;
  }

  static void SetParameter(faiss::IndexBinary& index, const std::string& name, double value) {
    faiss::IndexBinary* inner = Unwrapped(&index);
    if (value < 1 || value != double(int64_t(value))) throw UserError("parameter " + name + " must be a positive integer");
    if (name == "nprobe") {
      auto* ivf = dynamic_cast<faiss::IndexBinaryIVF*>(inner);
      if (ivf == nullptr) throw UserError("nprobe applies to IVF indexes only");
      ivf->nprobe = size_t(value);
    } else if (name == "efSearch") {
      auto* hnsw = dynamic_cast<faiss::IndexBinaryHNSW*>(inner);
      if (hnsw == nullptr) throw UserError("efSearch applies to HNSW indexes only");
      hnsw->hnsw.efSearch = int(value);
    } else {
      throw UserError("unknown binary index parameter '" + name + "' (known: nprobe, efSearch)");
    }
  }

  static void RangeSearch(faiss::IndexBinary& index, size_t n, const uint8_t* x, double radius, faiss::RangeSearchResult* out) {
    index.range_search(n, x, int(radius), out);
  }

  static faiss::IndexBinary* ReadFile(const std::string& path) {
    try {
      return faiss::read_index_binary(path.c_str());
    } catch (const faiss::FaissException& e) {
      throw UserError("'" + path + "' is not a readable FAISS index (damaged, truncated or another kind): " +
                      CleanFaissMessage(e.msg));
    }
  }
  static void WriteFile(const faiss::IndexBinary& index, const std::string& path) {
    faiss::write_index_binary(&index, path.c_str());
  }
  static void WriteTo(const faiss::IndexBinary& index, faiss::IOWriter* writer) { faiss::write_index_binary(&index, writer); }
  static Napi::FunctionReference& Constructor(Napi::Env env) { return env.GetInstanceData<AddonData>()->binaryIndex; }
};

Napi::Function DefineBinaryIndex(Napi::Env env) { return IndexWrap<BinaryTraits>::Define(env); }

}  // namespace idm
