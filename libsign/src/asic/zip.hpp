// libzip behind one small layer for the asic module: reading untrusted containers within
// limits (entry count, names, sizes, compression ratio), streaming an entry's bytes, and
// writing a new archive whose first entry is the stored `mimetype`.
#pragma once

#include <sign/asic.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

struct zip;

namespace sign::detail {

/// One entry of an opened archive, as its central directory declares it.
struct ZipEntry {
  std::uint64_t index = 0;
  std::string name;
  std::uint64_t size = 0;             ///< uncompressed, as declared
  std::uint64_t compressed_size = 0;
  bool stored = false;                ///< no compression
  bool directory = false;             ///< a name ending in '/'
  bool has_extra_field = false;       ///< in the local or central header
};

/// A read-only archive. Every name is checked on open (no absolute paths, no "..", no
/// backslashes or control characters, no duplicates even by case), as are the declared sizes
/// against `limits`; reading an entry stops with FormatError when it yields more than declared.
class ZipReader : public std::enable_shared_from_this<ZipReader> {
 public:
  static std::shared_ptr<ZipReader> open(const std::string& path, const AsicLimits& limits);
  /// The same over bytes in memory (an upload); `name` stands for the path in messages.
  static std::shared_ptr<ZipReader> open_bytes(Bytes data, const std::string& name, const AsicLimits& limits);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::vector<ZipEntry>& entries() const { return entries_; }
  const ZipEntry* find(const std::string& name) const;
  const std::string& path() const { return path_; }

  /// Streams the entry's bytes from `offset` (re-reading from its start: deflate cannot seek).
  void stream(const ZipEntry& entry, std::uint64_t offset, std::uint64_t length,
              const std::function<void(ByteView)>& sink) const;
  /// A small entry (manifest, signature file) read whole; FormatError past `max_bytes`.
  Bytes read_all(const ZipEntry& entry, std::uint64_t max_bytes) const;
  /// The entry as a document source (streamed on demand).
  Content content(const ZipEntry& entry) const;

 private:
  friend class ZipWriter;
  ZipReader() = default;
  static std::shared_ptr<ZipReader> check(std::shared_ptr<ZipReader> reader, const AsicLimits& limits);
  std::string path_;
  std::shared_ptr<Bytes> memory_;  // the archive's bytes when opened from memory
  ::zip* archive_ = nullptr;
  mutable std::mutex mutex_;  // libzip's archive handle is not for several threads at once
  std::vector<ZipEntry> entries_;
};

/// A new archive written to `path` (a scratch file the caller publishes). The first entry is
/// `mimetype`, stored, without extra fields, as EN 319 162-1 §A.1 requires of ASiC.
class ZipWriter {
 public:
  ZipWriter(const std::string& path, std::string_view mimetype);
  ~ZipWriter();
  ZipWriter(const ZipWriter&) = delete;
  ZipWriter& operator=(const ZipWriter&) = delete;

  /// Adds an entry from bytes in memory.
  void add(const std::string& name, Bytes data, bool compress = true);
  /// Adds an entry streamed from `content` when the archive is written.
  void add(const std::string& name, const Content& content, bool compress = true);
  /// Copies an entry of another archive as it is (its compressed bytes are not recompressed).
  void copy(const ZipReader& from, const ZipEntry& entry);
  /// Writes the archive; nothing is written to `path` until then.
  void close();

 private:
  void added(std::int64_t index, const std::string& name, bool compress);
  std::string path_;
  ::zip* archive_ = nullptr;
  std::vector<std::shared_ptr<void>> keep_;  // what libzip's sources read from until close()
};

}  // namespace sign::detail
