// `xsign demo`: the cross-border channel end to end, in a fresh directory, with the commands
// printed so that every step can be repeated by hand. Each step runs this same binary.
#include "commands.hpp"
#include "exit_codes.hpp"

#include "demo_assets.hpp"

#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/pki.hpp>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

namespace xsign {
namespace {

namespace fs = std::filesystem;

class Demo {
 public:
  Demo(fs::path dir, int port) : dir_(std::move(dir)), port_(port) {}
  ~Demo() { stop_server(); }

  int run() {
    prepare();
    step("1. Each country runs its own CAs (root + issuing), keys encrypted with pass.txt");
    for (const std::string d : {"cn", "ru"}) {
      ok({"ca", "init", "--dir", d + "-root", "--profile", d + ".toml", "--pass-file", "pass.txt", "--out", d + "-root.pem"});
      ok({"ca", "init", "--role", "issuing", "--parent", d + "-root", "--parent-pass-file", "pass.txt", "--dir",
          d + "-issuing", "--profile", d + ".toml", "--pass-file", "pass.txt", "--out", d + "-issuing.pem"});
      ok({"ca", "service", "--dir", d + "-issuing", "--role", "tsa", "--pass-file", "pass.txt"});
      ok({"ca", "service", "--dir", d + "-issuing", "--role", "ocsp", "--pass-file", "pass.txt"});
    }

    step("2. Traders get certificates from their own country's CA; the Moscow TTP gets one too");
    person("exporter", "sm2", "cn", "/C=CN/O=Shanghai Precision Machinery Co., Ltd./CN=Li Wei/USCC=91310000MA1FL0XX1A");
    person("clerk", "sm2", "cn", "/C=CN/O=Shanghai Precision Machinery Co., Ltd./CN=Zhang Min/USCC=91310000MA1FL0XX1A");
    person("importer", "gost256", "ru", "/C=RU/O=OOO Volga Stanki/CN=Ivan Petrov/INN=770412345678/OGRN=1027700000001");
    person("ttp", "gost256", "ru", "/C=RU/O=Trusted Third Party of the Channel/CN=Moscow TTP/INNLE=7709876543");

    step("3. Cross-recognition: Moscow cross-certifies Shanghai's root (C=CN only); Shanghai lists Moscow's root in a signed trust list (ETSI TS 119 612 XML)");
    ok({"ca", "cross-certify", "cn-root.pem", "--dir", "ru-root", "--permit", "/C=CN", "--path-len", "1", "--pass-file",
        "pass.txt", "--out", "x-ru-cn.pem"});
    ok({"trustlist", "create", "--operator", "Shanghai Trusted Trade CA", "--territory", "CN", "--contact",
        "mailto:trust-list@sttca.example.cn", "--city", "Shanghai", "--service", "ru-root.pem", "--days", "30", "--out",
        "cn-trust-list.unsigned.xml"});
    ok({"trustlist", "sign", "cn-trust-list.unsigned.xml", "--key", "cn-root/ca.key", "--cert", "cn-root.pem",
        "--pass-file", "pass.txt", "--out", "cn-trust-list.xml"});
    trust_store("trust-ru", "ru-root.pem", "x-ru-cn.pem", "");
    trust_store("trust-cn", "cn-root.pem", "", "cn-trust-list.xml");
    trust_store("trust-ru-customs", "ru-root.pem", "", "");  // no cross-certificate: relies on the TTP
    ok({"trustlist", "verify", "cn-trust-list.xml", "--trust", "trust-cn"});

    step("4. The issuing CAs' TSA, OCSP and CRLs go online; the roots stay offline and publish their CRLs as files");
    fs::create_directories(dir_ / "published");
    for (const std::string d : {"cn", "ru"}) fs::copy_file(dir_ / (d + "-root.pem"), dir_ / "published" / (d + "-root.crt"));
    publish_root_crls();
    start_server();

    step("5. The Shanghai exporter signs the e-invoice (SM2, time-stamped); the Moscow importer co-signs (GOST)");
    ok({"sign", "invoice.xml", "--key", "exporter.key", "--cert", "exporter.pem", "--chain", "cn-issuing.pem", "--pass-file",
        "pass.txt", "--commitment", "origin", "--level", "T", "--tsa", url("/tsa/cn-issuing"), "--out", "invoice.xml.p7s"});
    ok({"cosign", "invoice.xml.p7s", "--key", "importer.key", "--cert", "importer.pem", "--chain", "ru-issuing.pem",
        "--pass-file", "pass.txt", "--commitment", "approval"});
    ok({"extend", "invoice.xml.p7s", "--to", "T", "--tsa", url("/tsa/ru-issuing")});
    ok({"inspect", "invoice.xml.p7s"});

    step("5b. The offline roots publish their next CRLs (verifiers need revocation data newer than the time-stamps)");
    publish_root_crls();

    step("6. Moscow customs verifies, trusting only Russian roots (cross-certificate path); the page for the officer in Russian");
    expect({"verify", "invoice.xml", "--trust", "trust-ru", "--report-html", "invoice.report.html", "--lang", "ru"}, kExitOk,
           "ДЕЙСТВИТЕЛЬНА: TOTAL-PASSED");
    step("7. A Shanghai bank verifies, trusting only Chinese roots (trust list)");
    expect({"verify", "invoice.xml", "--trust", "trust-cn"}, kExitOk, "VALID: TOTAL-PASSED");

    step("8. A revoked signer is caught: the clerk's key leaks and her certificate is revoked");
    ok({"ca", "revoke", serial_of("clerk.pem"), "--dir", "cn-issuing", "--reason", "keyCompromise", "--pass-file", "pass.txt"});
    ::sleep(1);  // the revocation must precede the time-stamp on the next signature
    ok({"sign", "certificate-of-origin.xml", "--key", "clerk.key", "--cert", "clerk.pem", "--chain", "cn-issuing.pem",
        "--pass-file", "pass.txt", "--level", "T", "--tsa", url("/tsa/cn-issuing"), "--out", "certificate-of-origin.xml.p7s"});
    expect({"verify", "certificate-of-origin.xml", "--trust", "trust-ru"}, kExitFailed, "INVALID: TOTAL-FAILED");

    step("9. A trusted third party in Moscow validates the invoice and issues a signed receipt (RFC 3029 DVCS vsd response)");
    ok({"channel", "receipt", "invoice.xml", "invoice.xml.p7s", "--trust", "trust-ru", "--key", "ttp.key", "--cert",
        "ttp.pem", "--chain", "ru-issuing.pem", "--pass-file", "pass.txt", "--out", "invoice.receipt.p7s"});
    std::cout << "Customs without the cross-certificate cannot prove the Chinese signature alone, but accepts the TTP's receipt:\n";
    expect({"verify", "invoice.xml", "--trust", "trust-ru-customs"}, kExitIndeterminate, "NOT PROVEN");
    expect({"verify", "invoice.xml", "--trust", "trust-ru-customs", "--receipt", "invoice.receipt.p7s"}, kExitOk,
           "VALID: TOTAL-PASSED");

    step("10. The e-invoice signed inside the XML itself (XAdES): the exporter signs (SM2), the importer co-signs (GOST)");
    ok({"sign", "invoice.xml", "--format", "xades", "--parallel", "--key", "exporter.key", "--cert", "exporter.pem",
        "--chain", "cn-issuing.pem", "--pass-file", "pass.txt", "--commitment", "origin", "--out", "invoice.xades.xml"});
    ok({"cosign", "invoice.xades.xml", "--key", "importer.key", "--cert", "importer.pem", "--chain", "ru-issuing.pem",
        "--pass-file", "pass.txt"});
    expect({"verify", "invoice.xades.xml", "--trust", "trust-ru"}, kExitOk, "VALID: TOTAL-PASSED");

    step("10b. The shipment travels as one ASiC-E container: the exporter signs every document (SM2), the importer co-signs (GOST)");
    ok({"sign", "--asic-e", "invoice.xml", "certificate-of-origin.xml", "--key", "exporter.key", "--cert", "exporter.pem",
        "--chain", "cn-issuing.pem", "--pass-file", "pass.txt", "--commitment", "origin", "--out", "shipment.asice"});
    ok({"cosign", "shipment.asice", "--key", "importer.key", "--cert", "importer.pem", "--chain", "ru-issuing.pem",
        "--pass-file", "pass.txt", "--commitment", "approval"});
    expect({"verify", "shipment.asice", "--trust", "trust-ru"}, kExitOk, "VALID: TOTAL-PASSED");
    ok({"extract", "shipment.asice", "--out-dir", "received"});

    step("11. The signature is made verifiable offline for the archive (CAdES-LT, then LTA)");
    ok({"extend", "invoice.xml.p7s", "--to", "LT", "--trust", "trust-ru"});
    ok({"extend", "invoice.xml.p7s", "--to", "LTA", "--tsa", url("/tsa/ru-issuing")});

    stop_server();
    step("12. Offline, months later: the archived invoice still validates with no server running");
    expect({"verify", "invoice.xml", "--trust", "trust-ru"}, kExitOk, "VALID: TOTAL-PASSED");

    std::cout << "\nAll " << expectations_ << " verdicts were as expected. Files are in " << dir_.string()
              << "\nRepeat any step by hand there with the commands above (xsign = " << self_ << ").\n";
    return kExitOk;
  }

 private:
  void prepare() {
    if (fs::exists(dir_) && !fs::is_empty(dir_))
      throw sign::UsageError(dir_.string() + " is not empty; the demo needs a fresh directory");
    fs::create_directories(dir_);
    self_ = fs::read_symlink("/proc/self/exe").string();
    if (port_ == 0) port_ = free_port();
    // The profiles' service URLs point at this demo's server.
    for (const auto& [name, text] : {std::pair{"cn.toml", demo_assets::kCnProfile}, std::pair{"ru.toml", demo_assets::kRuProfile}}) {
      std::string t = text;
      const std::string here = "127.0.0.1:" + std::to_string(port_);
      for (const std::string old : {"127.0.0.1:8301", "127.0.0.1:8302"})
        for (auto at = t.find(old); at != std::string::npos; at = t.find(old, at + here.size())) t.replace(at, old.size(), here);
      sign::write_file_atomic(dir_ / name, t, sign::FileMode::public_0644);
    }
    sign::write_file_atomic(dir_ / "invoice.xml", std::string(demo_assets::kInvoice), sign::FileMode::public_0644);
    sign::write_file_atomic(dir_ / "certificate-of-origin.xml", std::string(demo_assets::kCertificateOfOrigin),
                            sign::FileMode::public_0644);
    sign::write_file_atomic(dir_ / "pass.txt", "demo passphrase " + std::to_string(::getpid()) + "\n", sign::FileMode::private_0600);
    std::cout << "xsign demo in " << dir_.string() << " (services on 127.0.0.1:" << port_ << ")\n";
  }

  static int free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    ::close(fd);
    return ntohs(addr.sin_port);
  }

  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }

  // The offline roots' CRLs, signed at the root and copied to the directory `serve --publish` serves.
  void publish_root_crls() {
    for (const std::string d : {"cn", "ru"})
      ok({"ca", "crl", "--dir", d + "-root", "--pass-file", "pass.txt", "--hours", "720", "--force", "--out",
          "published/" + d + "-root.crl"});
  }

  void step(const std::string& title) { std::cout << "\n== " << title << "\n" << std::flush; }

  // Starts this binary with `args` in the demo directory; stdout (and stderr, unless -1) go to
  // the given descriptors; `close_in_child` is closed in the child (the pipe's read end).
  pid_t spawn(const std::vector<std::string>& args, int out_fd, int err_fd, int close_in_child) {
    const pid_t pid = ::fork();
    if (pid < 0) throw sign::IoError("fork failed");
    if (pid > 0) return pid;
    if (close_in_child >= 0) ::close(close_in_child);
    ::dup2(out_fd, STDOUT_FILENO);
    if (err_fd >= 0) ::dup2(err_fd, STDERR_FILENO);
    if (::chdir(dir_.c_str()) != 0) ::_exit(kExitIoError);
    std::vector<char*> argv{const_cast<char*>(self_.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(self_.c_str(), argv.data());
    ::_exit(kExitInternal);
  }

  // Runs `xsign ARGS` in the demo directory; returns its exit code and captured stdout.
  std::pair<int, std::string> exec(const std::vector<std::string>& args, bool show_output) {
    std::cout << "$ xsign";
    for (const auto& a : args) std::cout << " " << (a.find(' ') != std::string::npos ? "'" + a + "'" : a);
    std::cout << "\n" << std::flush;
    int pipefd[2];
    if (::pipe(pipefd) != 0) throw sign::IoError("pipe failed");
    const pid_t pid = spawn(args, pipefd[1], -1, pipefd[0]);
    ::close(pipefd[1]);
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(pipefd[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (show_output) std::cout << out << std::flush;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : kExitInternal, out};
  }

  void ok(const std::vector<std::string>& args) {
    const auto [code, out] = exec(args, true);
    if (code != 0) throw sign::InternalError("demo step failed (exit " + std::to_string(code) + ")");
  }

  void expect(const std::vector<std::string>& args, int code, const std::string& first_line) {
    const auto [got, out] = exec(args, true);
    ++expectations_;
    if (got != code || out.rfind(first_line, 0) != 0)
      throw sign::InternalError("unexpected verdict (exit " + std::to_string(got) + ", expected " + std::to_string(code) + ")");
    std::cout << "   -> as expected: exit " << got << "\n";
  }

  void person(const std::string& who, const std::string& suite, const std::string& domain, const std::string& subject) {
    ok({"key", "gen", "--suite", suite, "--pass-file", "pass.txt", "--out", who + ".key"});
    ok({"csr", "--key", who + ".key", "--pass-file", "pass.txt", "--subject", subject, "--out", who + ".csr"});
    ok({"ca", "issue", who + ".csr", "--dir", domain + "-issuing", "--profile", "trader", "--pass-file", "pass.txt", "--out",
        who + ".pem"});
  }

  void trust_store(const std::string& name, const std::string& anchor, const std::string& cross, const std::string& list) {
    fs::create_directories(dir_ / name / "anchors");
    fs::copy_file(dir_ / anchor, dir_ / name / "anchors" / anchor);
    if (!cross.empty()) {
      fs::create_directories(dir_ / name / "certs");
      fs::copy_file(dir_ / cross, dir_ / name / "certs" / cross);
    }
    if (!list.empty()) {
      fs::create_directories(dir_ / name / "lists");
      fs::copy_file(dir_ / list, dir_ / name / "lists" / list);
    }
    // The demo's CAs serve CRLs and OCSP on 127.0.0.1; a real verifier's policy forbids fetching
    // from non-public addresses by default.
    sign::write_file_atomic(dir_ / name / "policy.toml",
                            "# The demo's services run on this machine.\nfetch_private_addresses = true\n",
                            sign::FileMode::public_0644);
    std::cout << "  " << name << "/: anchors " << anchor << (cross.empty() ? "" : ", certs " + cross)
              << (list.empty() ? "" : ", lists " + list) << "\n";
  }

  std::string serial_of(const std::string& cert) {
    return sign::Certificate::load((dir_ / cert).string()).serial_hex();
  }

  void start_server() {
    const std::vector<std::string> args{"serve", "--ca", "cn-issuing", "--ca", "ru-issuing", "--publish", "published",
                                        "--pass-file", "pass.txt", "--quiet", "--listen", "127.0.0.1:" + std::to_string(port_)};
    std::cout << "$ xsign";
    for (const auto& a : args) std::cout << " " << a;
    std::cout << " &\n" << std::flush;
    const int log = ::open((dir_ / "serve.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    server_ = spawn(args, log, log, -1);
    ::close(log);
    // Ready when the port accepts connections.
    for (int i = 0; i < 200; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      addr.sin_port = htons(static_cast<uint16_t>(port_));
      const bool up = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      ::close(fd);
      if (up) return;
      ::usleep(25 * 1000);
    }
    throw sign::InternalError("the demo server did not start; see serve.log");
  }

  void stop_server() {
    if (server_ <= 0) return;
    ::kill(server_, SIGTERM);
    ::waitpid(server_, nullptr, 0);
    server_ = 0;
    std::cout << "(server stopped)\n";
  }

  fs::path dir_;
  std::string self_;
  int port_ = 0;
  pid_t server_ = 0;
  int expectations_ = 0;
};

}  // namespace

void register_demo_command(CLI::App& app, Context& ctx) {
  auto dir = std::make_shared<std::string>();
  auto* d = app.add_subcommand("demo", "Run the cross-border channel end to end in a fresh directory");
  d->add_option("--dir", *dir, "Directory for the demo's files (default: a new one under /tmp)");
  auto port = std::make_shared<int>(0);
  d->add_option("--port", *port,
                "Port of the demo's services on 127.0.0.1, written into its certificates (default: a free one; 8302 "
                "gives the URLs the docs use)")
      ->check(CLI::Range(1, 65535));
  d->callback([dir, port, &ctx] {
    std::string path = *dir;
    if (path.empty()) {
      char tmpl[] = "/tmp/xsign-demo.XXXXXX";
      if (!::mkdtemp(tmpl)) throw sign::IoError("cannot create a demo directory under /tmp");
      path = tmpl;
    }
    ctx.exit_code = Demo(path, *port).run();
  });
}

}  // namespace xsign
