#include "passphrase.hpp"

#include <iostream>

#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/signers.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace xsign {
namespace {

// The terminal a prompt has silenced, restored by the signal handler if the user presses
// Ctrl-C (or the process is stopped) while echo is off.
std::atomic<int> silenced_fd{-1};
termios saved_termios{};

extern "C" void restore_terminal_and_die(int sig) {
  const int fd = silenced_fd.load();
  if (fd >= 0) {
    ::tcsetattr(fd, TCSAFLUSH, &saved_termios);
    (void)!::write(fd, "\n", 1);
  }
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

// Reads one line from the controlling terminal with echo off.
std::string prompt_tty(const std::string& prompt) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    throw sign::PassphraseError(
        "a passphrase is needed and there is no terminal to ask: use --pass-file FILE, --pass-fd N or "
        "--pass-env VAR");
  termios old{};
  const bool have_termios = ::tcgetattr(fd, &old) == 0;
  struct sigaction previous[3];
  const int signals[3] = {SIGINT, SIGTERM, SIGHUP};
  if (have_termios) {
    saved_termios = old;
    silenced_fd = fd;
    struct sigaction sa {};
    sa.sa_handler = restore_terminal_and_die;
    sigemptyset(&sa.sa_mask);
    for (int i = 0; i < 3; ++i) ::sigaction(signals[i], &sa, &previous[i]);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  (void)!::write(fd, prompt.data(), prompt.size());
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line += c;
  if (have_termios) {
    ::tcsetattr(fd, TCSAFLUSH, &old);
    silenced_fd = -1;
    for (int i = 0; i < 3; ++i) ::sigaction(signals[i], &previous[i], nullptr);
  }
  (void)!::write(fd, "\n", 1);
  ::close(fd);
  return line;
}

std::string first_line(std::string text) {
  const auto nl = text.find_first_of("\r\n");
  if (nl != std::string::npos) text.resize(nl);
  return text;
}

// The first line readable from a descriptor the caller opened for us (a pipe, usually).
std::string read_fd_line(int fd) {
  std::string out;
  char c;
  ssize_t r;
  while (out.size() < 64 * 1024 && (r = ::read(fd, &c, 1)) != 0) {
    if (r < 0) {
      if (errno == EINTR) continue;
      throw sign::PassphraseError("--pass-fd " + std::to_string(fd) + ": " + std::strerror(errno));
    }
    if (c == '\n') break;
    out += c;
  }
  out = first_line(out);
  if (out.empty()) throw sign::PassphraseError("--pass-fd " + std::to_string(fd) + ": nothing to read");
  return out;
}

std::string from_env(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (!value) throw sign::PassphraseError("environment variable " + name + " is not set");
  if (!*value) throw sign::PassphraseError("environment variable " + name + " is empty");
  return value;
}

std::string from_file(const std::string& path) {
  std::string out = first_line(sign::read_text_file(path, 64 * 1024));
  if (out.empty()) throw sign::PassphraseError(path + ": passphrase file is empty");
  return out;
}

// Non-interactive sources; false when none was given.
bool from_options(const PassphraseOptions& opts, std::string& out) {
  if (opts.file == "-") {
    // The first line of standard input (when the document does not come from there).
    if (!std::getline(std::cin, out)) throw sign::PassphraseError("--pass-file -: standard input is empty");
    out = first_line(out);
    if (out.empty()) throw sign::PassphraseError("--pass-file -: the first line of standard input is empty");
    return true;
  }
  if (!opts.file.empty()) {
    out = from_file(opts.file);
    return true;
  }
  if (opts.fd >= 0) {
    out = read_fd_line(opts.fd);
    return true;
  }
  if (!opts.env.empty()) {
    out = from_env(opts.env);
    return true;
  }
  return false;
}

}  // namespace

void add_passphrase_options(CLI::App& cmd, PassphraseOptions& opts, bool with_no_encrypt) {
  auto* file = cmd.add_option("--pass-file", opts.file,
                              "Read the key passphrase (or token PIN) from the first line of FILE ('-': standard input)")
                   ->type_name("FILE");
  auto* fd = cmd.add_option("--pass-fd", opts.fd, "Read the key passphrase (or token PIN) from open file descriptor N")
                 ->type_name("N")
                 ->check(CLI::NonNegativeNumber);
  auto* env = cmd.add_option("--pass-env", opts.env,
                             "Read the key passphrase (or token PIN) from environment variable VAR")
                  ->type_name("VAR");
  file->excludes(env)->excludes(fd);
  fd->excludes(env);
  if (with_no_encrypt) {
    auto* plain = cmd.add_flag("--no-encrypt", opts.no_encrypt,
                               "Write the private key unencrypted (only if you mean it)");
    plain->excludes(file)->excludes(env)->excludes(fd);
  }
}

void add_key_source_options(CLI::App& cmd, PassphraseOptions& opts) {
  cmd.add_option("--pkcs11-module", opts.pkcs11_module,
                 "PKCS#11 module for pkcs11: key URIs without module-path (default $XSIGN_PKCS11_MODULE)")
      ->type_name("PATH");
  cmd.add_option("--pkcs11-sm2", opts.pkcs11_sm2,
                 "The token's vendor SM2 mechanisms: sansec, ibm, or 'sign=0x...,mode=digest|message[,keygen=0x...,keytype=0x...]'")
      ->type_name("SPEC");
  cmd.add_option("--ext-timeout", opts.ext_timeout, "Seconds an ext: signing command may take")
      ->capture_default_str()
      ->check(CLI::Range(1u, 3600u));
}

sign::PassphraseProvider passphrase_for_reading(const PassphraseOptions& opts,
                                                const std::string& key_path) {
  return [opts, key_path] {
    std::string pass;
    if (from_options(opts, pass)) return pass;
    const bool token = key_path.rfind("pkcs11:", 0) == 0;
    return prompt_tty((token ? "PIN for " : "Passphrase for ") + sign::printable_text(key_path) + ": ");
  };
}

std::string passphrase_for_writing(const PassphraseOptions& opts, const std::string& what) {
  std::string pass;
  if (from_options(opts, pass)) return pass;
  pass = prompt_tty("New passphrase for " + what + ": ");
  if (pass.empty()) throw sign::PassphraseError("empty passphrase; use --no-encrypt to store the key unencrypted");
  if (pass.size() < kMinNewPassphrase)
    throw sign::PassphraseError("a new key's passphrase needs at least " + std::to_string(kMinNewPassphrase) +
                                " characters");
  if (prompt_tty("Repeat passphrase: ") != pass) throw sign::PassphraseError("passphrases do not match");
  return pass;
}

sign::PassphraseProvider passphrase_from_spec(const std::string& spec, const std::string& what) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon), value = colon == std::string::npos ? "" : spec.substr(colon + 1);
  if (kind == "prompt" && colon == std::string::npos)
    return [what] { return prompt_tty("Passphrase for " + what + ": "); };
  if (value.empty()) throw sign::UsageError("passphrase source '" + spec + "': use file:PATH, env:VAR, fd:N or prompt");
  if (kind == "file") return [value] { return from_file(value); };
  if (kind == "env") return [value] { return from_env(value); };
  if (kind == "fd") {
    int fd = -1;
    try {
      fd = std::stoi(value);
    } catch (const std::exception&) {
    }
    if (fd < 0) throw sign::UsageError("passphrase source '" + spec + "': fd:N needs a descriptor number");
    return [fd] { return read_fd_line(fd); };
  }
  throw sign::UsageError("passphrase source '" + spec + "': use file:PATH, env:VAR, fd:N or prompt");
}

sign::PrivateKey open_key(const std::string& reference, const PassphraseOptions& opts,
                          std::optional<sign::PublicKey> public_key) {
  sign::KeyReferenceOptions o;
  o.passphrase = passphrase_for_reading(opts, reference);
  o.pkcs11.module = opts.pkcs11_module;
  o.pkcs11.sm2_mechanisms = opts.pkcs11_sm2;
  o.public_key = std::move(public_key);
  o.external_timeout = std::chrono::seconds(opts.ext_timeout);
  return sign::open_private_key(reference, o);
}

}  // namespace xsign
