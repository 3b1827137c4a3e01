// Writing a command's result: to --out FILE atomically, or to stdout.
#pragma once

#include <sign/cms.hpp>
#include <sign/crypto.hpp>
#include <sign/io.hpp>

#include <optional>
#include <string>

namespace xsign {

/// `--force` (a global option): outputs named with --out may replace an existing regular file.
void set_force_overwrite(bool force);
/// How a new output file treats an existing one: refuse, unless --force.
sign::Overwrite new_output_policy();

/// Throws UsageError when `path` is part of a CA directory's state (its key, certificates,
/// store or profile): no output may clobber a CA, with or without --force.
void check_not_ca_state(const std::string& path);

/// Checks an output path before any work is done: not CA state, and writable under `overwrite`.
void check_output(const std::string& out, sign::Overwrite overwrite);

/// Moves a finished scratch file onto `out` (same directory), under `overwrite`; the scratch
/// file is gone afterwards in every case.
void move_into_place(const std::string& scratch, const std::string& out, sign::Overwrite overwrite);

/// A scratch path beside `out` (hidden, unique) for work that must not show until it is done.
std::string scratch_path_for(const std::string& out);

/// `path`, or for "-" a private temporary copy of standard input (removed at exit), for
/// commands that read their input by position (a signature, a certificate, a document to check).
std::string input_path(const std::string& path);

/// Writes data to `out` ("" or "-" = stdout). Binary data is never written to a terminal.
/// An existing file is replaced only with --force (never a non-regular file, never CA state).
void write_output(const std::string& out, sign::ByteView data, bool binary,
                  sign::FileMode mode = sign::FileMode::public_0644);

/// Text overload.
void write_output(const std::string& out, const std::string& text,
                  sign::FileMode mode = sign::FileMode::public_0644);

/// The document of a detached signature: `content_arg` when given, else the file beside the
/// signature that it names as DOC.p7s; nullopt when there is none.
std::optional<sign::Content> detached_content(const std::string& sig_path, const std::string& content_arg);

/// Opens a document for streaming: a path, or "-" for stdin.
class InputStream {
 public:
  explicit InputStream(const std::string& path);
  ~InputStream();
  std::istream& get() { return *stream_; }

 private:
  std::unique_ptr<std::istream> owned_;
  std::istream* stream_;
};

}  // namespace xsign
