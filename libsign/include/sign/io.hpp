// File helpers shared by the library and the CLI: bounded reads and atomic writes.
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "libsign's C++ headers need C++20 (-std=c++20); C programs use <sign/sign.h>"
#endif

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sign {

/// Largest file read whole (keys, certificates, CMS structures); documents are streamed instead.
inline constexpr std::uintmax_t kMaxWholeFileBytes = 64u * 1024u * 1024u;

/// Reads a small file whole; throws NoInputError / IoError naming the file, or if it exceeds max_bytes.
std::vector<std::uint8_t> read_file(const std::filesystem::path& path,
                                    std::uintmax_t max_bytes = kMaxWholeFileBytes);

/// Reads a small file as text (same limits as read_file).
std::string read_text_file(const std::filesystem::path& path,
                           std::uintmax_t max_bytes = kMaxWholeFileBytes);

/// Reads a stream to its end in fixed-size chunks (constant memory), handing each to `sink`;
/// throws IoError naming `what` on a read error.
void for_each_chunk(std::istream& in, const std::function<void(std::span<const std::uint8_t>)>& sink,
                    const std::string& what);

/// File permission for write_file_atomic: secrets get 0600, everything else 0644 (before umask).
enum class FileMode { private_0600, public_0644 };

/// What an atomic write may do to an existing file at its destination. Whatever is chosen,
/// something that is not a regular file (a symlink, FIFO, device or directory) is never replaced.
enum class Overwrite {
  replace,  ///< replace an existing regular file (in-place updates, the library's own state files)
  refuse,   ///< fail if the destination exists, checked again atomically at commit (no clobbering)
};

/// Throws UsageError if `path` may not be written under `overwrite`: it exists and is not a
/// regular file, or it exists and overwrite is refuse. Lets a command fail before doing work.
void check_output_path(const std::filesystem::path& path, Overwrite overwrite);

/// A file written through a temporary beside it and renamed into place by commit(); if the
/// writer is destroyed without commit(), the temporary is removed and `path` is untouched.
/// commit() fsyncs the file, renames it, and fsyncs the directory.
class AtomicFileWriter {
 public:
  AtomicFileWriter(const std::filesystem::path& path, FileMode mode, Overwrite overwrite = Overwrite::replace);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  /// Appends bytes.
  void write(std::span<const std::uint8_t> data);
  /// fsyncs and renames over the destination.
  void commit();

 private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
  Overwrite overwrite_;
};

/// A fresh name for a hidden temporary file in the directory of `path` (for writers that must
/// create the file themselves, such as libzip; publish it with publish_file).
std::filesystem::path temporary_path_beside(const std::filesystem::path& path);

/// Renames the complete, synced file `written` to `path` under `overwrite` (checked again at the
/// last moment), then syncs the directory. `written` is removed when this fails.
void publish_file(const std::filesystem::path& written, const std::filesystem::path& path, Overwrite overwrite);

/// fsyncs a file written by someone else (libzip) before it is published.
void sync_file(const std::filesystem::path& path);

/// Writes to a temporary file beside `path`, fsyncs, then renames over `path`:
/// a reader never sees a half-written file, and a failure leaves the old file untouched.
void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                       FileMode mode, Overwrite overwrite = Overwrite::replace);

/// Text overload of write_file_atomic.
void write_file_atomic(const std::filesystem::path& path, std::string_view text, FileMode mode,
                       Overwrite overwrite = Overwrite::replace);

/// Text from an untrusted source (names in certificates, messages quoting them) made safe for a
/// terminal line: control characters (C0, DEL, C1, and so newlines and ANSI escapes) and bytes
/// that are not UTF-8 become visible "\xNN" escapes. Applying it twice changes nothing.
std::string printable_text(std::string_view text);

/// The same text with only its invalid UTF-8 bytes escaped as "\xNN" (JSON output must be UTF-8;
/// JSON's own escaping takes care of control characters).
std::string valid_utf8(std::string_view text);

}  // namespace sign
