#include "passphrase.hpp"

#include <iostream>

#include <sign/error.hpp>
#include <sign/io.hpp>

#include <cstdio>
#include <cstdlib>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace xsign {
namespace {

// Reads one line from the controlling terminal with echo off.
std::string prompt_tty(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    throw sign::PassphraseError(
        "a passphrase is needed and there is no terminal to ask: use --pass-file FILE or "
        "--pass-env VAR");
  termios old{};
  const bool have_termios = ::tcgetattr(fd, &old) == 0;
  if (have_termios) {
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (have_termios) ::tcsetattr(fd, TCSAFLUSH, &old);
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

std::string first_line(std::string text) {
  const auto nl = text.find_first_of("\r\n");
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

// Non-interactive sources; empty optional when neither was given.
bool from_options(const PassphraseOptions& opts, std::string& out) {
  if (opts.file == "-") {
    // The first line of standard input (when the document does not come from there).
    if (!std::getline(std::cin, out)) throw sign::PassphraseError("--pass-file -: standard input is empty");
    out = first_line(out);
    if (out.empty()) throw sign::PassphraseError("--pass-file -: the first line of standard input is empty");
    return true;
  }
  if (!opts.file.empty()) {
    out = first_line(sign::read_text_file(opts.file, 64 * 1024));
    if (out.empty()) throw sign::PassphraseError(opts.file + ": passphrase file is empty");
    return true;
  }
  if (!opts.env.empty()) {
    const char* value = std::getenv(opts.env.c_str());
    if (!value) throw sign::PassphraseError("environment variable " + opts.env + " is not set");
    out = value;
    if (out.empty()) throw sign::PassphraseError("environment variable " + opts.env + " is empty");
    return true;
  }
  return false;
}

}  // namespace

void add_passphrase_options(CLI::App& cmd, PassphraseOptions& opts, bool with_no_encrypt) {
  auto* file = cmd.add_option("--pass-file", opts.file,
                              "Read the key passphrase from the first line of FILE ('-': standard input)")
                   ->type_name("FILE");
  auto* env = cmd.add_option("--pass-env", opts.env,
                             "Read the key passphrase from environment variable VAR")
                  ->type_name("VAR");
  file->excludes(env);
  if (with_no_encrypt) {
    auto* plain = cmd.add_flag("--no-encrypt", opts.no_encrypt,
                               "Write the private key unencrypted (only if you mean it)");
    plain->excludes(file)->excludes(env);
  }
}

sign::PassphraseProvider passphrase_for_reading(const PassphraseOptions& opts,
                                                const std::string& key_path) {
  return [opts, key_path] {
    std::string pass;
    if (from_options(opts, pass)) return pass;
    return prompt_tty("Passphrase for " + key_path + ": ");
  };
}

std::string passphrase_for_writing(const PassphraseOptions& opts, const std::string& what) {
  std::string pass;
  if (from_options(opts, pass)) return pass;
  pass = prompt_tty("New passphrase for " + what + ": ");
  if (pass.empty()) throw sign::PassphraseError("empty passphrase; use --no-encrypt to store the key unencrypted");
  if (prompt_tty("Repeat passphrase: ") != pass) throw sign::PassphraseError("passphrases do not match");
  return pass;
}

}  // namespace xsign
