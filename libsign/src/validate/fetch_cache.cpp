#include "validate/fetch_cache.hpp"

#include <sign/validate.hpp>

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace sign::detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSuffix = ".entry";

std::string key_hash(const std::string& key) {
  return to_hex(digest_bytes(DigestAlgorithm::sha256, ByteView(reinterpret_cast<const std::uint8_t*>(key.data()), key.size())));
}

std::int64_t seconds(TimePoint t) { return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count(); }
TimePoint from_seconds(std::int64_t s) { return TimePoint(std::chrono::seconds(s)); }

CacheEntry entry_from_json(const nlohmann::json& j, const fs::path& file) {
  CacheEntry e;
  e.key = j.at("key").get<std::string>();
  e.kind = j.at("kind").get<std::string>();
  e.fetched = from_seconds(j.at("fetched").get<std::int64_t>());
  e.expires = from_seconds(j.at("expires").get<std::int64_t>());
  if (j.contains("this_update") && !j["this_update"].is_null()) e.this_update = from_seconds(j["this_update"].get<std::int64_t>());
  e.size = j.at("size").get<std::size_t>();
  e.file = file;
  return e;
}

// The metadata line of an entry alone (trimming needs sizes and ages, not verified bodies).
std::optional<CacheEntry> read_meta(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::string line;
  if (!in || !std::getline(in, line) || line.size() > 64 * 1024) return std::nullopt;
  try {
    return entry_from_json(nlohmann::json::parse(line), file);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// An entry file: one line of JSON metadata, then the body.
std::optional<std::pair<CacheEntry, Bytes>> read_entry(const fs::path& file) {
  Bytes data;
  try {
    data = read_file(file, 256u * 1024 * 1024);
  } catch (const Error&) {
    return std::nullopt;
  }
  const auto nl = std::find(data.begin(), data.end(), std::uint8_t('\n'));
  if (nl == data.end()) return std::nullopt;
  try {
    const auto j = nlohmann::json::parse(std::string(data.begin(), nl));
    CacheEntry e = entry_from_json(j, file);
    Bytes body(nl + 1, data.end());
    if (body.size() != e.size || to_hex(digest_bytes(DigestAlgorithm::sha256, body)) != j.at("sha256").get<std::string>())
      return std::nullopt;
    return std::make_pair(std::move(e), std::move(body));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// The entries this process read from or wrote to the disk cache, until they expire: a
// validation that finds its CRL or OCSP answer here costs no system call. Bounded; the oldest
// kept entries go first. An entry replaced on disk by another process is still valid evidence
// until its own expiry (it is a signed object the validation checks like any other).
class MemoryLayer {
 public:
  struct Kept {
    CacheEntry meta;
    std::shared_ptr<const Bytes> body;
    std::uint64_t order = 0;
  };

  static MemoryLayer& instance() {
    static MemoryLayer layer;
    return layer;
  }

  std::optional<Kept> find(const fs::path& dir, const std::string& key) {
    std::lock_guard lock(mutex_);
    const auto it = kept_.find(dir.string() + '\n' + key);
    if (it == kept_.end()) return std::nullopt;
    return it->second;
  }

  void keep(const fs::path& dir, const CacheEntry& meta, std::shared_ptr<const Bytes> body) {
    if (body->size() > kMaxBytes / 4) return;  // one huge CRL does not push out everything else
    std::lock_guard lock(mutex_);
    const std::string id = dir.string() + '\n' + meta.key;
    if (auto it = kept_.find(id); it != kept_.end()) {
      bytes_ -= it->second.body->size();
      kept_.erase(it);
    }
    bytes_ += body->size();
    kept_[id] = Kept{meta, std::move(body), ++order_};
    while (bytes_ > kMaxBytes && !kept_.empty()) {
      auto oldest = std::min_element(kept_.begin(), kept_.end(),
                                     [](const auto& a, const auto& b) { return a.second.order < b.second.order; });
      bytes_ -= oldest->second.body->size();
      kept_.erase(oldest);
    }
  }

  void forget(const fs::path& dir) {
    std::lock_guard lock(mutex_);
    const std::string prefix = dir.string() + '\n';
    for (auto it = kept_.lower_bound(prefix); it != kept_.end() && it->first.starts_with(prefix);) {
      bytes_ -= it->second.body->size();
      it = kept_.erase(it);
    }
  }

  /// Makes `dir` the first time this process names it (every validation opens the cache); false
  /// when it cannot be made. Under the lock, so that no thread uses it before it exists.
  bool ensure_directory(const fs::path& dir) {
    std::lock_guard lock(mutex_);
    if (created_.count(dir.string())) return true;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir)) return false;
    created_.insert(dir.string());
    return true;
  }
  /// A directory removed while this process ran is made again on its next use.
  void forget_created(const fs::path& dir) {
    std::lock_guard lock(mutex_);
    created_.erase(dir.string());
  }

 private:
  static constexpr std::size_t kMaxBytes = 32u * 1024 * 1024;
  std::mutex mutex_;
  std::map<std::string, Kept> kept_;
  std::size_t bytes_ = 0;
  std::uint64_t order_ = 0;
  std::set<std::string> created_;
};

bool usable(const CacheEntry& e, TimePoint now, std::optional<TimePoint> not_before) {
  if (e.expires <= now) return false;
  return !not_before || (e.this_update && *e.this_update >= *not_before);
}

}  // namespace

fs::path FetchCache::directory(const ValidationPolicy& policy) {
  if (!policy.cache_dir.empty()) return policy.cache_dir;
  // Asked by every validation that may fetch: the environment is read each time (it may
  // change), the path is made again only when it did.
  struct Made {
    std::string xsign, xdg, home;
    fs::path dir;
    bool valid = false;
  };
  thread_local Made made;
  auto env = [](const char* name) {
    const char* v = std::getenv(name);
    return std::string_view(v ? v : "");
  };
  const std::string_view xsign = env("XSIGN_CACHE_DIR"), xdg = env("XDG_CACHE_HOME"), home = env("HOME");
  if (!made.valid || made.xsign != xsign || made.xdg != xdg || made.home != home) {
    made.xsign = xsign;
    made.xdg = xdg;
    made.home = home;
    made.dir = !xsign.empty() ? fs::path(xsign)
               : !xdg.empty() ? fs::path(xdg) / "xsign"
               : !home.empty() ? fs::path(home) / ".cache" / "xsign"
                               : fs::path();
    made.valid = true;
  }
  return made.dir;
}

std::optional<FetchCache> FetchCache::open(const ValidationPolicy& policy) {
  if (!policy.cache) return std::nullopt;
  FetchCache c;
  c.dir_ = directory(policy);
  c.max_bytes_ = policy.cache_max_bytes;
  if (c.dir_.empty()) return std::nullopt;
  // Made once per process; a directory removed meanwhile only makes writes fail, which costs a
  // fetch, and is made again after the failed write.
  if (!MemoryLayer::instance().ensure_directory(c.dir_)) return std::nullopt;
  return c;
}

fs::path FetchCache::path_for(const std::string& key) const { return dir_ / (key_hash(key) + std::string(kSuffix)); }

FetchCache::Lock::Lock(const fs::path& file) {
  fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ >= 0) {
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
}

FetchCache::Lock::~Lock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::filesystem::path FetchCache::lock_file(const std::string& key) const { return dir_ / (key_hash(key) + ".lock"); }

std::shared_ptr<const Bytes> FetchCache::get(const std::string& key, TimePoint now, std::optional<TimePoint> not_before,
                                             bool memory_only) const {
  auto& memory = MemoryLayer::instance();
  if (auto kept = memory.find(dir_, key); kept && usable(kept->meta, now, not_before)) return kept->body;
  if (memory_only) return nullptr;
  // Not in memory, or what is there will not do: the disk may hold a newer one.
  const fs::path file = path_for(key);
  std::error_code ec;
  if (!fs::exists(file, ec)) return nullptr;
  auto entry = read_entry(file);
  if (!entry || entry->first.key != key) {
    fs::remove(file, ec);  // damaged or colliding: fetched again
    return nullptr;
  }
  if (!usable(entry->first, now, not_before)) return nullptr;
  auto body = std::make_shared<const Bytes>(std::move(entry->second));
  memory.keep(dir_, entry->first, body);
  return body;
}

void FetchCache::put(const CacheEntry& meta, ByteView body) const {
  if (body.size() > max_bytes_) return;
  nlohmann::json j{{"key", meta.key},
                   {"kind", meta.kind},
                   {"fetched", seconds(meta.fetched)},
                   {"expires", seconds(meta.expires)},
                   {"this_update", meta.this_update ? nlohmann::json(seconds(*meta.this_update)) : nlohmann::json(nullptr)},
                   {"size", body.size()},
                   {"sha256", to_hex(digest_bytes(DigestAlgorithm::sha256, body))}};
  const std::string head = j.dump() + "\n";
  Bytes data(head.begin(), head.end());
  data.insert(data.end(), body.begin(), body.end());
  MemoryLayer::instance().keep(dir_, meta, std::make_shared<const Bytes>(body.begin(), body.end()));
  try {
    write_file_atomic(path_for(meta.key), data, FileMode::private_0600);
    trim();
  } catch (const Error&) {
    // A cache that cannot be written only costs a fetch next time; a directory removed while
    // this process ran is made again for the next write.
    MemoryLayer::instance().forget_created(dir_);
  }
}

std::vector<CacheEntry> FetchCache::list() const {
  std::vector<CacheEntry> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != kSuffix) continue;
    if (auto entry = read_entry(e.path())) out.push_back(std::move(entry->first));
  }
  std::sort(out.begin(), out.end(), [](const CacheEntry& a, const CacheEntry& b) { return a.fetched < b.fetched; });
  return out;
}

std::size_t FetchCache::clear() const {
  MemoryLayer::instance().forget(dir_);
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const auto ext = e.path().extension();
    if (ext == kSuffix) n += fs::remove(e.path(), ec) ? 1 : 0;
    else if (ext == ".lock") fs::remove(e.path(), ec);
  }
  return n;
}

// Oldest entries go first when the cache grows past its bound.
void FetchCache::trim() const {
  std::vector<CacheEntry> entries;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    if (e.path().extension() != kSuffix) continue;
    if (auto meta = read_meta(e.path())) entries.push_back(std::move(*meta));
  }
  std::sort(entries.begin(), entries.end(), [](const CacheEntry& a, const CacheEntry& b) { return a.fetched < b.fetched; });
  std::size_t total = 0;
  for (const auto& e : entries) total += e.size;
  for (const auto& e : entries) {
    if (total <= max_bytes_) break;
    fs::remove(e.file, ec);
    total -= std::min(total, e.size);
  }
}

}  // namespace sign::detail

namespace sign {

std::string fetch_cache_directory(const ValidationPolicy& policy) { return detail::FetchCache::directory(policy).string(); }

std::vector<CachedObject> fetch_cache_list(const ValidationPolicy& policy) {
  ValidationPolicy p = policy;
  p.cache = true;
  std::vector<CachedObject> out;
  if (auto cache = detail::FetchCache::open(p))
    for (const auto& e : cache->list()) out.push_back({e.key, e.kind, e.fetched, e.expires, e.size});
  return out;
}

std::size_t fetch_cache_clear(const ValidationPolicy& policy) {
  ValidationPolicy p = policy;
  p.cache = true;
  auto cache = detail::FetchCache::open(p);
  return cache ? cache->clear() : 0;
}

}  // namespace sign
