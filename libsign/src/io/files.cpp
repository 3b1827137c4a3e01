#include <sign/crypto.hpp>
#include <sign/error.hpp>
#include <sign/io.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

namespace sign {
namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

namespace {

const char* kind_of(mode_t m) {
  if (S_ISLNK(m)) return "a symbolic link";
  if (S_ISFIFO(m)) return "a FIFO";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISDIR(m)) return "a directory";
  if (S_ISSOCK(m)) return "a socket";
  return "not a regular file";
}

// Makes a rename durable: the directory entry itself is flushed.
void sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::filesystem::path directory_of(const std::filesystem::path& path) {
  return path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
}

}  // namespace

std::vector<std::uint8_t> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  // Keys, certificates, signatures, CRLs and policies are small regular files. O_NONBLOCK keeps
  // open() from waiting forever on a FIFO with no writer; the type is checked before any read.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT) throw NoInputError(path.string() + ": no such file");
    if (errno == ELOOP) throw NoInputError(path.string() + ": too many levels of symbolic links (a link loop?)");
    if (errno == EISDIR) throw NoInputError(path.string() + ": is a directory, expected a file");
    throw NoInputError(path.string() + ": cannot open for reading (" + errno_text() + ")");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw IoError(path.string() + ": cannot inspect (" + errno_text() + ")");
  if (S_ISDIR(st.st_mode)) throw NoInputError(path.string() + ": is a directory, expected a file");
  if (!S_ISREG(st.st_mode))
    throw NoInputError(path.string() + ": is " + kind_of(st.st_mode) +
                       "; this input must be a regular file (only documents may be streamed)");
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    throw IoError(path.string() + ": larger than " + std::to_string(max_bytes) +
                  " bytes, which is too big for this kind of file");
  std::vector<std::uint8_t> data(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < data.size()) {
    const ssize_t n = ::read(fd, data.data() + got, data.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw IoError(path.string() + ": read error (" + errno_text() + ")");
    if (n == 0) break;  // shrank while reading
    got += static_cast<std::size_t>(n);
  }
  data.resize(got);
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


void check_output_path(const std::filesystem::path& path, Overwrite overwrite) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw IoError(path.string() + ": cannot inspect the output path (" + errno_text() + ")");
  }
  if (!S_ISREG(st.st_mode))
    throw UsageError(path.string() + " is " + kind_of(st.st_mode) + "; refusing to replace it with a file");
  if (overwrite == Overwrite::refuse)
    throw UsageError(path.string() + " already exists; choose another --out, or add --force to replace it");
}

AtomicFileWriter::AtomicFileWriter(const std::filesystem::path& path, FileMode mode, Overwrite overwrite)
    : path_(path), overwrite_(overwrite) {
  check_output_path(path, overwrite);
  tmp_ = temporary_path_beside(path);
  const mode_t perms = mode == FileMode::private_0600 ? 0600 : 0644;
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, perms);
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
  if (fd_ < 0) throw IoError(path_.string() + ": commit after commit");
  const int fd = fd_;
  fd_ = -1;
  const bool synced = ::fsync(fd) == 0;
  const std::string err = errno_text();
  if (::close(fd) != 0 || !synced) {
    ::unlink(tmp_.c_str());
    throw IoError(path_.string() + ": " + (synced ? "close failed" : "fsync failed") + " (" + err + ")");
  }
  publish_file(tmp_, path_, overwrite_);
}

std::filesystem::path temporary_path_beside(const std::filesystem::path& path) {
  std::random_device rd;
  return directory_of(path) / ("." + path.filename().string() + ".tmp-" + std::to_string(rd()));
}

void publish_file(const std::filesystem::path& written, const std::filesystem::path& path, Overwrite overwrite) {
  auto fail = [&](const std::string& what) {
    const std::string err = errno_text();
    ::unlink(written.c_str());
    throw IoError(path.string() + ": " + what + " (" + err + ")");
  };
  try {
    // Checked again at the last moment: the destination may have changed while we wrote.
    check_output_path(path, overwrite);
  } catch (...) {
    ::unlink(written.c_str());
    throw;
  }
  if (overwrite == Overwrite::refuse) {
    if (::renameat2(AT_FDCWD, written.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
      if (errno == EEXIST) {
        ::unlink(written.c_str());
        throw UsageError(path.string() + " appeared while it was being written; it was left as it is");
      }
      fail("cannot rename into place");
    }
  } else if (::rename(written.c_str(), path.c_str()) != 0) {
    fail("cannot rename into place");
  }
  sync_directory(directory_of(path));
}

void sync_file(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) throw IoError(path.string() + ": cannot open to sync (" + errno_text() + ")");
  const bool ok = ::fsync(fd) == 0;
  const std::string err = errno_text();
  ::close(fd);
  if (!ok) throw IoError(path.string() + ": fsync failed (" + err + ")");
}

void write_file_atomic(const std::filesystem::path& path, std::span<const std::uint8_t> data, FileMode mode,
                       Overwrite overwrite) {
  AtomicFileWriter writer(path, mode, overwrite);
  writer.write(data);
  writer.commit();
}

void write_file_atomic(const std::filesystem::path& path, std::string_view text, FileMode mode, Overwrite overwrite) {
  write_file_atomic(path, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}, mode, overwrite);
}

}  // namespace sign
