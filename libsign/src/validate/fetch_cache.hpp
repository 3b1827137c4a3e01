// Internal: the disk cache of fetched CRLs, OCSP answers and CA certificates, shared by the
// threads of a verify-batch and by concurrent processes. One file per URL (or OCSP question),
// written through a temporary and renamed; a per-entry flock makes the first process fetch and
// the others wait and read (one fetch per CRL for a whole batch). What this process read or
// wrote is also kept in memory until it expires (bounded), so that a long-running verifier
// (verify-batch, serve, an application) does not go to the disk for every validation.
#pragma once

#include <sign/pki.hpp>
#include <sign/trust.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace sign::detail {

struct CacheEntry {
  std::string key;          ///< the URL (OCSP: "ocsp URL CERTID")
  std::string kind;         ///< "crl", "ocsp", "certificate"
  TimePoint fetched{}, expires{};
  std::optional<TimePoint> this_update;  ///< of a CRL or OCSP answer
  std::size_t size = 0;
  std::filesystem::path file;
};

class FetchCache {
 public:
  /// The cache the policy names (its directory is created), or nullopt when caching is off or
  /// the directory cannot be made (fetching then works uncached).
  static std::optional<FetchCache> open(const ValidationPolicy& policy);
  /// The directory a policy's cache lives in.
  static std::filesystem::path directory(const ValidationPolicy& policy);

  /// Holds the entry's lock (other threads and processes asking for the same key wait).
  class Lock {
   public:
    explicit Lock(const std::filesystem::path& file);
    ~Lock();
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;

   private:
    int fd_ = -1;
  };
  /// The lock file of an entry (hold it with Lock while fetching and storing the entry).
  std::filesystem::path lock_file(const std::string& key) const;

  /// The body for `key` if it has not expired at `now` and (when given) was issued at or after
  /// `not_before`; a damaged entry is removed and missed. The same body object is returned for
  /// as long as the entry stays in memory (callers may keep what they decoded from it).
  /// `memory_only`: only what this process holds in memory (no file system call).
  std::shared_ptr<const Bytes> get(const std::string& key, TimePoint now,
                                   std::optional<TimePoint> not_before = std::nullopt, bool memory_only = false) const;
  void put(const CacheEntry& meta, ByteView body) const;

  std::vector<CacheEntry> list() const;
  /// Removes every entry; returns how many.
  std::size_t clear() const;

 private:
  std::filesystem::path path_for(const std::string& key) const;
  void trim() const;
  std::filesystem::path dir_;
  std::size_t max_bytes_ = 0;
};

}  // namespace sign::detail
