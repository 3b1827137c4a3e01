// Writing a command's result: to --out FILE atomically, or to stdout.
#pragma once

#include <sign/crypto.hpp>
#include <sign/io.hpp>

#include <string>

namespace xsign {

/// Writes data to `out` ("" or "-" = stdout). Binary data is never written to a terminal.
void write_output(const std::string& out, sign::ByteView data, bool binary,
                  sign::FileMode mode = sign::FileMode::public_0644);

/// Text overload.
void write_output(const std::string& out, const std::string& text,
                  sign::FileMode mode = sign::FileMode::public_0644);

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
