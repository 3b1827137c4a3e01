#include "output.hpp"

#include <sign/error.hpp>

#include <fstream>
#include <iostream>

#include <unistd.h>

namespace xsign {

void write_output(const std::string& out, sign::ByteView data, bool binary, sign::FileMode mode) {
  if (out.empty() || out == "-") {
    if (binary && ::isatty(STDOUT_FILENO))
      throw sign::UsageError("refusing to write binary data to a terminal; use --out FILE");
    std::cout.write(reinterpret_cast<const char*>(data.data()),
                    static_cast<std::streamsize>(data.size()));
    std::cout.flush();
    if (!std::cout) throw sign::IoError("writing to standard output failed");
    return;
  }
  sign::write_file_atomic(out, data, mode);
}

void write_output(const std::string& out, const std::string& text, sign::FileMode mode) {
  write_output(out, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, false, mode);
}

InputStream::InputStream(const std::string& path) {
  if (path == "-") {
    stream_ = &std::cin;
    return;
  }
  auto file = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file) throw sign::NoInputError(path + ": cannot open for reading");
  stream_ = file.get();
  owned_ = std::move(file);
}

InputStream::~InputStream() = default;

}  // namespace xsign
