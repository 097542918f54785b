#include "common.h"

#include <faiss/impl/FaissException.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <unordered_set>

namespace idm {

std::string CleanFaissMessage(const std::string& message) {
  // "Error in virtual void faiss::X::y(...) at /build/faiss/x.cpp:42: Error: 'cond' failed: text"
  std::string text = message;
  if (text.rfind("Error in ", 0) == 0) {
    const size_t at = text.find(" at ");
    if (at != std::string::npos) {
      const size_t colon = text.find(": ", at);
      if (colon != std::string::npos) text = text.substr(colon + 2);
    }
  }
  const size_t failed = text.find("' failed: ");
  if (text.rfind("Error: '", 0) == 0 && failed != std::string::npos) text = text.substr(failed + 10);
  return text;
}

Task::Task(Napi::Env env, std::vector<Napi::Value> keep, Work work, Done done)
    : Napi::AsyncWorker(env, "idmatch-native"),
      deferred_(Napi::Promise::Deferred::New(env)),
      work_(std::move(work)),
      done_(std::move(done)) {
  keep_.reserve(keep.size());
  for (auto& value : keep) keep_.push_back(Napi::Persistent(value));
}

Napi::Promise Task::Start(Napi::Env env, std::vector<Napi::Value> keep, Work work, Done done) {
  auto* task = new Task(env, std::move(keep), std::move(work), std::move(done));
  Napi::Promise promise = task->deferred_.Promise();
  task->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

void Task::Execute() {
  try {
    work_();
  } catch (const faiss::FaissException& e) {
    SetError(CleanFaissMessage(e.msg));
  } catch (const std::bad_alloc&) {
    SetError("out of memory");
  } catch (const std::exception& e) {
    SetError(e.what());
  } catch (...) {
    SetError("unknown native error");
  }
}

void Task::OnOK() {
  Napi::Env env = Env();
  try {
    Kept kept;
    for (auto& reference : keep_) kept.push_back(reference.Value());
    deferred_.Resolve(done_ ? done_(env, kept) : env.Undefined());
  } catch (const Napi::Error& e) {
    deferred_.Reject(e.Value());
  }
}

void Task::OnError(const Napi::Error& error) { deferred_.Reject(error.Value()); }

View<float> FloatArg(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a Float32Array");
  }
  auto array = value.As<Napi::Float32Array>();
  return {array.Data(), array.ElementLength()};
}

View<int64_t> IdArg(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_bigint64_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a BigInt64Array");
  }
  auto array = value.As<Napi::TypedArrayOf<int64_t>>();
  return {array.Data(), array.ElementLength()};
}

View<uint8_t> ByteArg(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a Uint8Array");
  }
  auto array = value.As<Napi::Uint8Array>();
  return {array.Data(), array.ElementLength()};
}

int64_t IntegerArg(const Napi::Value& value, const char* name, int64_t min, int64_t max) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number) || std::floor(number) != number || number < double(min) || number > double(max)) {
    throw Napi::RangeError::New(value.Env(), std::string(name) + " must be an integer from " +
                                                 std::to_string(min) + " to " + std::to_string(max) +
                                                 ", got " + value.ToString().Utf8Value());
  }
  return int64_t(number);
}

double NumberArg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(number)) {
    throw Napi::RangeError::New(value.Env(), std::string(name) + " must be a finite number");
  }
  return number;
}

std::string StringArg(const Napi::Value& value, const char* name) {
  if (!value.IsString()) throw Napi::TypeError::New(value.Env(), std::string(name) + " must be a string");
  return value.As<Napi::String>().Utf8Value();
}

size_t RowCount(size_t length, size_t width, const char* name) {
  if (width == 0 || length % width != 0) {
    throw UserError(std::string(name) + " has " + std::to_string(length) +
                    " values, which is not a whole number of rows of " + std::to_string(width));
  }
  return length / width;
}

void CheckFinite(const float* data, size_t length, const char* name) {
  for (size_t i = 0; i < length; ++i) {
    if (!std::isfinite(data[i])) {
      throw UserError(std::string(name) + " contains " + (std::isnan(data[i]) ? "NaN" : "an infinite value") +
                      " at element " + std::to_string(i));
    }
  }
}

void CheckUniqueIds(const int64_t* ids, size_t n, const char* name) {
  std::unordered_set<int64_t> seen;
  seen.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    if (ids[i] < 0) throw UserError(std::string(name) + " contains the negative id " + std::to_string(ids[i]));
    if (!seen.insert(ids[i]).second) {
      throw UserError(std::string(name) + " contains the id " + std::to_string(ids[i]) + " twice");
    }
  }
}

void CheckReadable(const std::string& path) {
  FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw UserError("cannot read index file '" + path + "': " + std::strerror(errno));
  }
  std::fclose(file);
}

}  // namespace idm
