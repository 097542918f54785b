// Shared plumbing for the IDMatch native addon: promise-returning async work, argument checks, and the
// per-object state that async work holds on to.
#pragma once

#include <faiss/impl/FaissException.h>
#include <napi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace idm {

// A failure the caller caused (bad input, wrong state). Its message reaches JavaScript unchanged.
struct UserError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// FAISS messages read "Error in <signature> at <file>:<line>: <message>"; callers need only the message.
std::string CleanFaissMessage(const std::string& message);

// One unit of async work: `work` runs on a libuv pool thread and must not touch JavaScript values;
// `done` runs back on the JavaScript thread and builds the resolution value. The JavaScript values in
// `keep` (input and output typed arrays) stay referenced, and so alive, until the work has finished;
// `done` receives them again, in the same order, as fresh handles (a captured Napi::Value would be a
// dangling handle by then).
class Task : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Kept = std::vector<Napi::Value>;
  using Done = std::function<Napi::Value(Napi::Env, const Kept&)>;

  static Napi::Promise Start(Napi::Env env, std::vector<Napi::Value> keep, Work work, Done done);

 protected:
  void Execute() override;
  void OnOK() override;
  void OnError(const Napi::Error& error) override;

 private:
  Task(Napi::Env env, std::vector<Napi::Value> keep, Work work, Done done);

  Napi::Promise::Deferred deferred_;
  std::vector<Napi::Reference<Napi::Value>> keep_;
  Work work_;
  Done done_;
};

// A typed array's data as seen by async work: pointer and element count. The owning Task keeps the
// array itself referenced.
template <typename T>
struct View {
  T* data = nullptr;
  size_t length = 0;
};

View<float> FloatArg(const Napi::Value& value, const char* name);
View<int64_t> IdArg(const Napi::Value& value, const char* name);
View<uint8_t> ByteArg(const Napi::Value& value, const char* name);
int64_t IntegerArg(const Napi::Value& value, const char* name, int64_t min, int64_t max);
double NumberArg(const Napi::Value& value, const char* name);
std::string StringArg(const Napi::Value& value, const char* name);

// Rows in a flat buffer of `width` values per row; throws unless the length is a whole number of rows.
size_t RowCount(size_t length, size_t width, const char* name);

// Throws a UserError naming the first NaN or infinite value.
void CheckFinite(const float* data, size_t length, const char* name);

// Throws a UserError naming the first repeated id inside one batch.
void CheckUniqueIds(const int64_t* ids, size_t n, const char* name);

// Throws a UserError unless `path` can be opened for reading (FAISS's own message is a stack of
// signatures around the errno text).
void CheckReadable(const std::string& path);

// Runs a JavaScript-thread method body, turning native failures into JavaScript errors.
template <typename Body>
Napi::Value Guarded(Napi::Env env, Body&& body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const faiss::FaissException& e) {
    throw Napi::Error::New(env, CleanFaissMessage(e.msg));
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

// Constructors the addon needs after initialisation (to wrap an index read from a file).
struct AddonData {
  Napi::FunctionReference floatIndex;
  Napi::FunctionReference binaryIndex;
  Napi::FunctionReference flatStore;
  Napi::FunctionReference ivfIndex;
};

// The largest result buffer (queries x k) one search may ask for, so that a typo cannot allocate 100 GB.
constexpr size_t kMaxResultEntries = size_t(1) << 28;

}  // namespace idm
