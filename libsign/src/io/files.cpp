#include <sign/crypto.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sign {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status))
    throw NoInputError(path.string() + ": no such file");
  if (std::filesystem::is_directory(status))
    throw NoInputError(path.string() + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw NoInputError(path.string() + ": cannot open for reading (" + errno_text() + ")");
  std::vector<std::uint8_t> data;
  std::vector<char> buffer(64 * 1024);
  // Read by chunks rather than by size: works for pipes and /dev/stdin too.
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    if (data.size() + got > max_bytes)
      throw IoError(path.string() + ": larger than " + std::to_string(max_bytes) +
                    " bytes, which is too big for this kind of file");
    data.insert(data.end(), buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(got));
  }
  if (in.bad()) throw IoError(path.string() + ": read error");
  return data;
}

std::string read_text_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  const auto data = read_file(path, max_bytes);
  return std::string(data.begin(), data.end());
}

void for_each_chunk(std::istream& in, const std::function<void(std::span<const std::uint8_t>)>& sink,
                    const std::string& what) {
  // Large enough that hashing, not the read loop, sets the pace (bench/).
  std::vector<char> buffer(kStreamBufferBytes);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    if (const auto got = in.gcount(); got > 0)
      sink({reinterpret_cast<const std::uint8_t*>(buffer.data()), static_cast<std::size_t>(got)});
  }
  if (in.bad()) throw IoError(what + ": read error");
}

AtomicFileWriter::AtomicFileWriter(const std::filesystem::path& path, FileMode mode) : path_(path) {
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::random_device rd;
  tmp_ = dir / ("." + path.filename().string() + ".tmp-" + std::to_string(rd()));
  const mode_t perms = mode == FileMode::private_0600 ? 0600 : 0644;
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perms);
  if (fd_ < 0) throw IoError(path.string() + ": cannot create (" + errno_text() + ")");
  // O_CREAT's mode passes through the umask; a secret must be 0600 whatever the umask.
  if (mode == FileMode::private_0600 && ::fchmod(fd_, 0600) != 0) {
    const std::string err = errno_text();
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
    throw IoError(path.string() + ": cannot set mode 0600 (" + err + ")");
  }
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void AtomicFileWriter::write(std::span<const std::uint8_t> data) {
  if (fd_ < 0) throw IoError(path_.string() + ": write after commit");
  std::size_t written = 0;
  while (written < data.size()) {
    const ssize_t n = ::write(fd_, data.data() + written, data.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(path_.string() + ": write failed (" + errno_text() + ")");
    }
    written += static_cast<std::size_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (::fsync(fd_) != 0) throw IoError(path_.string() + ": fsync failed (" + errno_text() + ")");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const std::string err = errno_text();
    ::unlink(tmp_.c_str());
    throw IoError(path_.string() + ": close failed (" + err + ")");
  }
  if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
    const std::string err = errno_text();
    ::unlink(tmp_.c_str());
    throw IoError(path_.string() + ": cannot rename into place (" + err + ")");
  }
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> data,
                       FileMode mode) {
  AtomicFileWriter writer(path, mode);
  writer.write(data);
  writer.commit();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text, FileMode mode) {
  write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, mode);
}

}  // namespace sign
