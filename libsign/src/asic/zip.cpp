// The zip layer of the asic module. Reading treats the archive as hostile: the central
// directory is checked as a whole before any entry is read, and reading an entry never yields
// more than it declared, so a bomb fails early instead of filling memory or disk.
#include "asic/zip.hpp"
#include "support/lazy_library.hpp"

#include <sign/error.hpp>

#include <zip.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <set>

namespace sign::detail {

namespace {

// libzip, opened on the first container operation rather than linked (support/lazy_library.hpp):
// it and the compression libraries it needs are not loaded by commands that open no container.
const LazyLibrary& libzip() {
  static const LazyLibrary library(XSIGN_LIBZIP_SONAME, "libzip4", "ASiC containers");
  return library;
}
#define ZIP_CALL(fn) LAZY_CALL(::sign::detail::libzip(), fn)

constexpr std::uint64_t kRatioCheckedFrom = 1024 * 1024;  // smaller entries may compress as they like

std::string zip_message(::zip* archive) {
  const char* m = archive ? ZIP_CALL(zip_strerror)(archive) : nullptr;
  return m ? m : "unknown libzip error";
}

std::string lowercase(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Why a name must not be unpacked or trusted, or empty when it is fine. A name is a relative
// path of plain components: nothing that climbs out of the target folder, names a drive or
// stream (':'), hides a separator ('\'), or carries control characters.
std::string name_problem(const std::string& name) {
  if (name.empty()) return "an empty name";
  if (name.size() > 1024) return "a name longer than 1024 bytes";
  if (name.front() == '/') return "an absolute path";
  for (const unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "a control character";
    if (c == '\\') return "a backslash (a path separator on Windows)";
    if (c == ':') return "a colon (a drive or stream name on Windows)";
  }
  std::size_t start = 0;
  while (start < name.size()) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string part = name.substr(start, end - start);
    if (part.empty()) return "an empty path component ('//')";
    if (part == "." || part == "..") return "a '" + part + "' component (path traversal)";
    start = end + 1;
  }
  return {};
}

}  // namespace

std::shared_ptr<ZipReader> ZipReader::open(const std::string& path, const AsicLimits& limits) {
  int error = 0;
  ::zip* archive = ZIP_CALL(zip_open)(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error);
  if (!archive) {
    zip_error_t e;
    ZIP_CALL(zip_error_init_with_code)(&e, error);
    std::string message = ZIP_CALL(zip_error_strerror)(&e);
    ZIP_CALL(zip_error_fini)(&e);
    if (error == ZIP_ER_NOENT || error == ZIP_ER_OPEN) throw NoInputError(path + ": cannot open (" + message + ")");
    throw FormatError(path + " is not a readable zip container (" + message + ")");
  }
  std::shared_ptr<ZipReader> reader(new ZipReader);
  reader->path_ = path;
  reader->archive_ = archive;
  return check(std::move(reader), limits);
}

std::shared_ptr<ZipReader> ZipReader::open_bytes(Bytes data, const std::string& name, const AsicLimits& limits) {
  std::shared_ptr<ZipReader> reader(new ZipReader);
  reader->path_ = name;
  reader->memory_ = std::make_shared<Bytes>(std::move(data));
  zip_error_t e;
  ZIP_CALL(zip_error_init)(&e);
  zip_source_t* src = ZIP_CALL(zip_source_buffer_create)(reader->memory_->data(), reader->memory_->size(), 0, &e);
  ::zip* archive = src ? ZIP_CALL(zip_open_from_source)(src, ZIP_RDONLY | ZIP_CHECKCONS, &e) : nullptr;
  if (!archive) {
    if (src) ZIP_CALL(zip_source_free)(src);
    const std::string message = ZIP_CALL(zip_error_strerror)(&e);
    ZIP_CALL(zip_error_fini)(&e);
    throw FormatError(name + " is not a readable zip container (" + message + ")");
  }
  ZIP_CALL(zip_error_fini)(&e);
  reader->archive_ = archive;
  return check(std::move(reader), limits);
}

std::shared_ptr<ZipReader> ZipReader::check(std::shared_ptr<ZipReader> reader, const AsicLimits& limits) {
  ::zip* archive = reader->archive_;
  const std::string& path = reader->path_;
  const zip_int64_t count = ZIP_CALL(zip_get_num_entries)(archive, 0);
  if (count < 0) throw FormatError(path + ": cannot list the zip entries (" + zip_message(archive) + ")");
  if (static_cast<std::uint64_t>(count) > limits.max_entries)
    throw FormatError(path + " has " + std::to_string(count) + " entries; the limit is " +
                      std::to_string(limits.max_entries));
  std::set<std::string> seen;
  std::uint64_t total = 0;
  for (zip_uint64_t i = 0; i < static_cast<zip_uint64_t>(count); ++i) {
    zip_stat_t st;
    ZIP_CALL(zip_stat_init)(&st);
    if (ZIP_CALL(zip_stat_index)(archive, i, 0, &st) != 0 || !(st.valid & ZIP_STAT_NAME))
      throw FormatError(path + ": entry " + std::to_string(i) + " cannot be read (" + zip_message(archive) + ")");
    ZipEntry e;
    e.index = i;
    e.name = st.name;
    const std::string where = path + ": entry '" + printable_text(e.name) + "'";
    if (const auto problem = name_problem(e.name); !problem.empty())
      throw FormatError(where + " has " + problem + "; refusing the container");
    if (!seen.insert(lowercase(e.name)).second)
      throw FormatError(where + " appears twice (or differs from another only by case): one would hide the other");
    e.directory = e.name.back() == '/';
    e.size = st.size;
    e.compressed_size = st.comp_size;
    e.stored = st.comp_method == ZIP_CM_STORE;
    if ((st.valid & ZIP_STAT_ENCRYPTION_METHOD) && st.encryption_method != ZIP_EM_NONE)
      throw FormatError(where + " is encrypted; signed containers are not");
    if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
      throw FormatError(where + " uses compression method " + std::to_string(st.comp_method) +
                        "; ASiC containers use stored or deflated entries");
    if (e.size > limits.max_entry_bytes)
      throw FormatError(where + " declares " + std::to_string(e.size) + " bytes; the limit is " +
                        std::to_string(limits.max_entry_bytes));
    if (e.size >= kRatioCheckedFrom && e.size / std::max<std::uint64_t>(e.compressed_size, 1) > limits.max_ratio)
      throw FormatError(where + " expands " + std::to_string(e.compressed_size) + " bytes into " + std::to_string(e.size) +
                        " (more than " + std::to_string(limits.max_ratio) + " to 1): refusing a likely zip bomb");
    total += e.size;
    if (total > limits.max_total_bytes)
      throw FormatError(path + ": its entries add up to more than " + std::to_string(limits.max_total_bytes) +
                        " bytes, the limit");
    e.has_extra_field = ZIP_CALL(zip_file_extra_fields_count)(archive, i, ZIP_FL_LOCAL) > 0 ||
                        ZIP_CALL(zip_file_extra_fields_count)(archive, i, ZIP_FL_CENTRAL) > 0;
    reader->entries_.push_back(std::move(e));
  }
  return reader;
}

ZipReader::~ZipReader() {
  if (archive_) ZIP_CALL(zip_discard)(archive_);
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const ZipEntry& e) { return e.name == name; });
  return it == entries_.end() ? nullptr : &*it;
}

namespace {

// An entry opened for reading; counts what it yields against what the entry declared.
class EntryStream {
 public:
  EntryStream(::zip* archive, const ZipEntry& entry, const std::string& path)
      : entry_(entry), where_(path + ": entry '" + printable_text(entry.name) + "'") {
    file_ = ZIP_CALL(zip_fopen_index)(archive, entry.index, 0);
    if (!file_) throw FormatError(where_ + " cannot be opened (" + zip_message(archive) + ")");
  }
  ~EntryStream() { ZIP_CALL(zip_fclose)(file_); }
  EntryStream(const EntryStream&) = delete;
  EntryStream& operator=(const EntryStream&) = delete;

  std::uint64_t position() const { return position_; }

  /// Reads up to out.size() bytes; 0 at the end.
  std::size_t read(std::span<std::uint8_t> out) {
    const zip_int64_t n = ZIP_CALL(zip_fread)(file_, out.data(), out.size());
    if (n < 0) {
      const char* m = ZIP_CALL(zip_file_strerror)(file_);
      throw FormatError(where_ + " is damaged (" + std::string(m ? m : "read error") + ")");
    }
    position_ += static_cast<std::uint64_t>(n);
    if (position_ > entry_.size)
      throw FormatError(where_ + " yields more bytes than the " + std::to_string(entry_.size) +
                        " it declares: refusing a likely zip bomb");
    if (n == 0 && position_ < entry_.size)
      throw FormatError(where_ + " ends after " + std::to_string(position_) + " of its " + std::to_string(entry_.size) +
                        " declared bytes (truncated)");
    return static_cast<std::size_t>(n);
  }

  void skip_to(std::uint64_t offset) {
    Bytes buffer(64 * 1024);
    while (position_ < offset) {
      const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), offset - position_));
      if (read(std::span(buffer.data(), want)) == 0) break;
    }
  }

 private:
  const ZipEntry& entry_;
  std::string where_;
  zip_file_t* file_ = nullptr;
  std::uint64_t position_ = 0;
};

void check_range(const ZipEntry& entry, std::uint64_t offset, std::uint64_t length) {
  if (offset > entry.size || length > entry.size - offset)
    throw FormatError("read past the end of zip entry '" + printable_text(entry.name) + "'");
}

// A document inside the container as a ByteSource. Sequential reads (how digests and
// signatures consume documents) continue one open entry stream; a read before the current
// position starts the entry again, since deflated data cannot seek.
class EntrySource final : public ByteSource {
 public:
  EntrySource(std::shared_ptr<const ZipReader> reader, ::zip* archive, std::mutex& mutex, ZipEntry entry)
      : reader_(std::move(reader)), archive_(archive), mutex_(mutex), entry_(std::move(entry)) {}
  std::uint64_t size() const override { return entry_.size; }
  void read(std::uint64_t offset, std::span<std::uint8_t> out) const override {
    check_range(entry_, offset, out.size());
    std::lock_guard lock(mutex_);
    if (!stream_ || stream_->position() > offset) stream_ = std::make_unique<EntryStream>(archive_, entry_, reader_->path());
    stream_->skip_to(offset);
    std::size_t done = 0;
    while (done < out.size()) {
      const std::size_t n = stream_->read(out.subspan(done));
      if (n == 0) throw FormatError("zip entry '" + printable_text(entry_.name) + "' ended early");
      done += n;
    }
  }

 private:
  std::shared_ptr<const ZipReader> reader_;  // keeps the archive open
  ::zip* archive_;
  std::mutex& mutex_;
  ZipEntry entry_;
  mutable std::unique_ptr<EntryStream> stream_;
};

}  // namespace

void ZipReader::stream(const ZipEntry& entry, std::uint64_t offset, std::uint64_t length,
                       const std::function<void(ByteView)>& sink) const {
  check_range(entry, offset, length);
  std::lock_guard lock(mutex_);
  EntryStream in(archive_, entry, path_);
  in.skip_to(offset);
  Bytes buffer(64 * 1024);
  while (length > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), length));
    const std::size_t n = in.read(std::span(buffer.data(), want));
    if (n == 0) break;
    sink(ByteView(buffer.data(), n));
    length -= n;
  }
}

Bytes ZipReader::read_all(const ZipEntry& entry, std::uint64_t max_bytes) const {
  if (entry.size > max_bytes)
    throw FormatError(path_ + ": entry '" + printable_text(entry.name) + "' is " + std::to_string(entry.size) +
                      " bytes; at most " + std::to_string(max_bytes) + " are read for it");
  Bytes out;
  out.reserve(static_cast<std::size_t>(entry.size));
  stream(entry, 0, entry.size, [&](ByteView b) { out.insert(out.end(), b.begin(), b.end()); });
  return out;
}

Content ZipReader::content(const ZipEntry& entry) const {
  Content c;
  c.source = std::make_shared<EntrySource>(shared_from_this(), archive_, mutex_, entry);
  return c;
}

// ---- writing ----

namespace {

// libzip pulls an added document through this callback when the archive is written, so a
// document of any size is streamed from its source straight into the zip.
struct StreamedSource {
  std::shared_ptr<const ByteSource> source;
  std::uint64_t position = 0;
  zip_error_t error;
  StreamedSource() { ZIP_CALL(zip_error_init)(&error); }
  ~StreamedSource() { ZIP_CALL(zip_error_fini)(&error); }
};

zip_int64_t streamed_callback(void* user, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* s = static_cast<StreamedSource*>(user);
  switch (cmd) {
    case ZIP_SOURCE_OPEN: s->position = 0; return 0;
    case ZIP_SOURCE_READ: {
      const std::uint64_t left = s->source->size() - s->position;
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, len));
      try {
        s->source->read(s->position, std::span(static_cast<std::uint8_t*>(data), n));
      } catch (...) {
        ZIP_CALL(zip_error_set)(&s->error, ZIP_ER_READ, EIO);
        return -1;
      }
      s->position += n;
      return static_cast<zip_int64_t>(n);
    }
    case ZIP_SOURCE_CLOSE: return 0;
    case ZIP_SOURCE_STAT: {
      auto* st = static_cast<zip_stat_t*>(data);
      ZIP_CALL(zip_stat_init)(st);
      st->size = s->source->size();
      st->valid |= ZIP_STAT_SIZE;
      return sizeof(zip_stat_t);
    }
    case ZIP_SOURCE_ERROR: return ZIP_CALL(zip_error_to_data)(&s->error, data, len);
    case ZIP_SOURCE_FREE: return 0;  // owned by the writer's keep_ list
    case ZIP_SOURCE_SUPPORTS:
      return ZIP_CALL(zip_source_make_command_bitmap)(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
                                            ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
    default: ZIP_CALL(zip_error_set)(&s->error, ZIP_ER_OPNOTSUPP, 0); return -1;
  }
}

}  // namespace

ZipWriter::ZipWriter(const std::string& path, std::string_view mimetype) : path_(path) {
  int error = 0;
  archive_ = ZIP_CALL(zip_open)(path.c_str(), ZIP_CREATE | ZIP_EXCL, &error);
  if (!archive_) throw IoError(path + ": cannot create the container (libzip error " + std::to_string(error) + ")");
  add("mimetype", Bytes(mimetype.begin(), mimetype.end()), false);
}

ZipWriter::~ZipWriter() {
  if (archive_) ZIP_CALL(zip_discard)(archive_);  // nothing was written
}

void ZipWriter::added(std::int64_t index, const std::string& name, bool compress) {
  if (index < 0) throw IoError(path_ + ": cannot add '" + name + "' (" + zip_message(archive_) + ")");
  const auto i = static_cast<zip_uint64_t>(index);
  if (ZIP_CALL(zip_set_file_compression)(archive_, i, compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0) != 0)
    throw IoError(path_ + ": cannot set the compression of '" + name + "' (" + zip_message(archive_) + ")");
}

void ZipWriter::add(const std::string& name, Bytes data, bool compress) {
  auto held = std::make_shared<Bytes>(std::move(data));
  keep_.push_back(held);
  zip_source_t* src = ZIP_CALL(zip_source_buffer)(archive_, held->data(), held->size(), 0);
  if (!src) throw IoError(path_ + ": cannot add '" + name + "' (" + zip_message(archive_) + ")");
  const zip_int64_t index = ZIP_CALL(zip_file_add)(archive_, name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (index < 0) ZIP_CALL(zip_source_free)(src);
  added(index, name, compress);
}

void ZipWriter::add(const std::string& name, const Content& content, bool compress) {
  auto held = std::make_shared<StreamedSource>();
  held->source = content.source;
  keep_.push_back(held);
  zip_source_t* src = ZIP_CALL(zip_source_function)(archive_, streamed_callback, held.get());
  if (!src) throw IoError(path_ + ": cannot add '" + name + "' (" + zip_message(archive_) + ")");
  const zip_int64_t index = ZIP_CALL(zip_file_add)(archive_, name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (index < 0) ZIP_CALL(zip_source_free)(src);
  added(index, name, compress);
}

void ZipWriter::copy(const ZipReader& from, const ZipEntry& entry) {
  keep_.push_back(std::const_pointer_cast<ZipReader>(from.shared_from_this()));
  zip_source_t* src = ZIP_CALL(zip_source_zip)(archive_, from.archive_, entry.index, ZIP_FL_COMPRESSED, 0, -1);
  if (!src) throw IoError(path_ + ": cannot copy '" + entry.name + "' (" + zip_message(archive_) + ")");
  const zip_int64_t index = ZIP_CALL(zip_file_add)(archive_, entry.name.c_str(), src, ZIP_FL_ENC_UTF_8);
  if (index < 0) {
    ZIP_CALL(zip_source_free)(src);
    throw IoError(path_ + ": cannot copy '" + entry.name + "' (" + zip_message(archive_) + ")");
  }
}

void ZipWriter::close() {
  if (ZIP_CALL(zip_close)(archive_) != 0) {
    const std::string message = zip_message(archive_);
    throw IoError(path_ + ": cannot write the container (" + message + ")");
  }
  archive_ = nullptr;
  keep_.clear();
}

}  // namespace sign::detail
