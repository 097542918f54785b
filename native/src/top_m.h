// A bounded min-heap keeping the m highest scores, for the scans of FlatStore and IvfIndex.
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace idm {

// A bounded min-heap keeping the m highest scores (higher is better for both metrics internally).
template <typename Payload>
struct BasicTopM {
  size_t capacity = 0;
  std::vector<std::pair<float, Payload>> heap;  // (score, payload), heap[0] is the worst kept

  explicit BasicTopM(size_t m = 0) : capacity(m) { heap.reserve(m); }
  float Threshold() const {
    return heap.size() < capacity ? -std::numeric_limits<float>::infinity() : heap.front().first;
  }
  void Push(float score, Payload slot) {
    auto worse = [](const auto& a, const auto& b) { return a.first > b.first; };
    if (heap.size() < capacity) {
      heap.emplace_back(score, slot);
      std::push_heap(heap.begin(), heap.end(), worse);
    } else if (score > heap.front().first) {
      std::pop_heap(heap.begin(), heap.end(), worse);
      heap.back() = {score, slot};
      std::push_heap(heap.begin(), heap.end(), worse);
    }
  }
};

using TopM = BasicTopM<uint32_t>;

}  // namespace idm
