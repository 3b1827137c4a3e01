#include "output.hpp"
#include <cstdlib>

#include <sign/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

namespace xsign {
namespace {

bool g_force = false;

}  // namespace

void set_force_overwrite(bool force) { g_force = force; }

sign::Overwrite new_output_policy() { return g_force ? sign::Overwrite::replace : sign::Overwrite::refuse; }

void check_not_ca_state(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (ec) return;
  static const char* kState[] = {"ca.key", "ca.pem", "chain.pem", "profile.toml", "store.sqlite", "store.sqlite-wal",
                                 "store.sqlite-shm", "store.sqlite-journal", "store.url"};
  const fs::path dir = p.parent_path();
  const std::string name = p.filename().string();
  auto is_ca_dir = [&](const fs::path& d) {
    return (fs::exists(d / "store.sqlite", ec) || fs::exists(d / "store.url", ec)) && fs::exists(d / "ca.pem", ec);
  };
  bool state = false;
  if (is_ca_dir(dir)) state = std::any_of(std::begin(kState), std::end(kState), [&](const char* s) { return name == s; });
  if (!state && dir.filename() == "services" && is_ca_dir(dir.parent_path())) state = true;
  if (state)
    throw sign::UsageError(path + " belongs to the CA directory " + (dir.filename() == "services" ? dir.parent_path() : dir).string() +
                           "; refusing to overwrite a CA's key, certificates, store or profile (choose another --out)");
}

void check_output(const std::string& out, sign::Overwrite overwrite) {
  if (out.empty() || out == "-") return;
  check_not_ca_state(out);
  sign::check_output_path(out, overwrite);
}

std::string scratch_path_for(const std::string& out) {
  namespace fs = std::filesystem;
  const fs::path p(out);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  return (dir / ("." + p.filename().string() + ".xsign-scratch-" + std::to_string(::getpid()))).string();
}

void move_into_place(const std::string& scratch, const std::string& out, sign::Overwrite overwrite) {
  struct Remove {
    const std::string& path;
    ~Remove() { ::unlink(path.c_str()); }
  } remove{scratch};
  check_output(out, overwrite);
  if (overwrite == sign::Overwrite::refuse) {
    if (::renameat2(AT_FDCWD, scratch.c_str(), AT_FDCWD, out.c_str(), RENAME_NOREPLACE) != 0)
      throw sign::IoError(out + ": cannot move the result into place (" + std::strerror(errno) + ")");
  } else if (::rename(scratch.c_str(), out.c_str()) != 0) {
    throw sign::IoError(out + ": cannot move the result into place (" + std::strerror(errno) + ")");
  }
}

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
  check_not_ca_state(out);
  sign::write_file_atomic(out, data, mode, new_output_policy());
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

std::string input_path(const std::string& path) {
  if (path != "-") return path;
  static bool used = false;
  if (used) throw sign::UsageError("standard input ('-') can be read only once per command");
  used = true;
  // A private spool: mode 0600 in the temporary directory, removed when xsign exits.
  static std::string spool;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/xsign-stdin-XXXXXX";
  const int fd = ::mkstemp(pattern.data());
  if (fd < 0) throw sign::IoError("cannot create a temporary file for standard input");
  ::close(fd);
  spool = pattern;
  std::atexit([] { ::unlink(spool.c_str()); });
  sign::AtomicFileWriter w(spool, sign::FileMode::private_0600, sign::Overwrite::replace);
  sign::for_each_chunk(std::cin, [&](sign::ByteView chunk) { w.write(chunk); }, "standard input");
  w.commit();
  return spool;
}

std::optional<sign::Content> detached_content(const std::string& sig_path, const std::string& content_arg) {
  if (!content_arg.empty()) return sign::Content::file(content_arg);
  if (sig_path.size() > 4 && sig_path.ends_with(".p7s") && std::filesystem::exists(sig_path.substr(0, sig_path.size() - 4)))
    return sign::Content::file(sig_path.substr(0, sig_path.size() - 4));
  return std::nullopt;
}

}  // namespace xsign
