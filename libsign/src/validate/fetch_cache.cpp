#include "validate/fetch_cache.hpp"

#include <sign/validate.hpp>

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>

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
    CacheEntry e;
    e.key = j.at("key").get<std::string>();
    e.kind = j.at("kind").get<std::string>();
    e.fetched = from_seconds(j.at("fetched").get<std::int64_t>());
    e.expires = from_seconds(j.at("expires").get<std::int64_t>());
    if (j.contains("this_update") && !j["this_update"].is_null()) e.this_update = from_seconds(j["this_update"].get<std::int64_t>());
    e.size = j.at("size").get<std::size_t>();
    e.file = file;
    Bytes body(nl + 1, data.end());
    if (body.size() != e.size || to_hex(digest_bytes(DigestAlgorithm::sha256, body)) != j.at("sha256").get<std::string>())
      return std::nullopt;
    return std::make_pair(std::move(e), std::move(body));
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

fs::path FetchCache::directory(const ValidationPolicy& policy) {
  if (!policy.cache_dir.empty()) return policy.cache_dir;
  if (const char* d = std::getenv("XSIGN_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return fs::path(x) / "xsign";
  if (const char* h = std::getenv("HOME"); h && *h) return fs::path(h) / ".cache" / "xsign";
  return {};
}

std::optional<FetchCache> FetchCache::open(const ValidationPolicy& policy) {
  if (!policy.cache) return std::nullopt;
  FetchCache c;
  c.dir_ = directory(policy);
  c.max_bytes_ = policy.cache_max_bytes;
  if (c.dir_.empty()) return std::nullopt;
  std::error_code ec;
  fs::create_directories(c.dir_, ec);
  if (ec || !fs::is_directory(c.dir_)) return std::nullopt;
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

std::optional<Bytes> FetchCache::get(const std::string& key, TimePoint now, std::optional<TimePoint> not_before) const {
  const fs::path file = path_for(key);
  std::error_code ec;
  if (!fs::exists(file, ec)) return std::nullopt;
  auto entry = read_entry(file);
  if (!entry || entry->first.key != key) {
    fs::remove(file, ec);  // damaged or colliding: fetched again
    return std::nullopt;
  }
  if (entry->first.expires <= now) return std::nullopt;
  if (not_before && (!entry->first.this_update || *entry->first.this_update < *not_before)) return std::nullopt;
  return std::move(entry->second);
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
  try {
    write_file_atomic(path_for(meta.key), data, FileMode::private_0600);
    trim();
  } catch (const Error&) {
    // A cache that cannot be written only costs a fetch next time.
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
  auto entries = list();
  std::size_t total = 0;
  for (const auto& e : entries) total += e.size;
  std::error_code ec;
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
