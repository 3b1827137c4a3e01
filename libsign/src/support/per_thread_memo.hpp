// A bounded memo for one thread: values worked out from a byte-string key (a certificate's
// DER, a pair of fingerprints, an OID) kept for the next call with the same key.
//
// A verifier meets the same few signers, CAs and names document after document, so what is
// derived from them alone is computed once per thread. No lock: each thread owns its memo
// (declare it `thread_local`). When it reaches `Capacity` entries it forgets everything at once
// — a verifier's working set is small, and a cheap bound matters more than a clever policy.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace sign::detail {

template <class Value, std::size_t Capacity = 1024>
class PerThreadMemo {
 public:
  /// The value for `key`, made by `make()` on the first call. If `make` throws, nothing is
  /// remembered. The reference is valid until the next call on this memo.
  template <class Make>
  const Value& get(std::string_view key, Make&& make) {
    if (const auto it = values_.find(key); it != values_.end()) return it->second;
    Value value = std::forward<Make>(make)();
    if (values_.size() >= Capacity) values_.clear();
    return values_.emplace(std::string(key), std::move(value)).first->second;
  }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Value, Hash, std::equal_to<>> values_;
};

}  // namespace sign::detail
