// Packaging as an application developer meets it: `cmake --install` into a temporary prefix,
// then the three examples (C++ with find_package, C with pkg-config, Python with the ctypes
// package) built from outside the source tree against that prefix, each signing and
// verifying; their signatures checked with the installed xsign and with openssl. Also: the
// shared library exports only the public API.
#include <catch2/catch.hpp>

#include <sign/cms.hpp>

#include "support.hpp"

#include <filesystem>
#include <regex>
#include <sstream>

using testing::q;
using testing::run;
namespace fs = std::filesystem;

#ifndef XSIGN_SANITIZED_BUILD  // the examples cannot load a sanitizer-instrumented libsign

namespace {

const std::string kSource = XSIGN_SOURCE_DIR;
const std::string kBuild = XSIGN_BUILD_DIR;

struct Installed {
  testing::TempDir dir;
  std::string prefix = dir.file("prefix");
  std::string f(const std::string& n) const { return dir.file(n); }
  std::string xsign() const { return q(prefix + "/bin/xsign"); }
  std::string lib_env() const { return "LD_LIBRARY_PATH=" + q(prefix + "/lib") + " "; }

  void ok(const std::string& cmd) {
    const auto r = run(cmd);
    INFO(cmd << "\n" << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }

  Installed() {
    ok("cmake --install " + q(kBuild) + " --prefix " + q(prefix) + " >/dev/null");
    // A small PKI per country, made with the installed tool.
    for (const std::string c : {"ru", "cn"}) {
      ok(xsign() + " ca init --dir " + q(f(c + "-ca")) + " --profile " + q(kSource + "/certs/" + c + ".toml") +
         " --no-encrypt --out " + q(f(c + "-root.pem")));
      ok(xsign() + " key gen --suite " + (c == "ru" ? "gost256" : "sm2") + " --no-encrypt --out " + q(f(c + ".key")));
      ok(xsign() + " csr --key " + q(f(c + ".key")) + " --subject /C=" + (c == "ru" ? "RU" : "CN") +
         "/O=Example/CN=Example --out " + q(f(c + ".csr")));
      ok(xsign() + " ca issue " + q(f(c + ".csr")) + " --dir " + q(f(c + "-ca")) + " --profile trader --out " +
         q(f(c + ".pem")));
      ok(xsign() + " ca crl --dir " + q(f(c + "-ca")) + " --out " + q(f(c + ".crl")));
      fs::create_directories(f("trust-" + c + "/anchors"));
      fs::create_directories(f("trust-" + c + "/crls"));
      fs::copy_file(f(c + "-root.pem"), f("trust-" + c + "/anchors/root.pem"));
      fs::copy_file(f(c + ".crl"), f("trust-" + c + "/crls/root.crl"));
    }
    testing::write(f("doc.xml"), "<Invoice><ID>PKG-1</ID></Invoice>\n");
  }

  std::string args(const std::string& c, const std::string& out) const {
    return q(f("doc.xml")) + " " + q(f(c + ".key")) + " " + q(f(c + ".pem")) + " " + q(f("trust-" + c)) + " " + q(out);
  }

  // The installed CLI agrees with the example's verdict.
  void xsign_verifies(const std::string& c, const std::string& p7s) {
    const auto r = run(xsign() + " verify " + q(f("doc.xml")) + " " + q(p7s) + " --trust " + q(f("trust-" + c)));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }

  // openssl: GOST through the engine's CMS verification; SM2 (OpenSSL 3.0 cannot verify SM2
  // CMS) through pkeyutl with the distinguishing ID over the signed attributes.
  void openssl_verifies(const std::string& c, const std::string& p7s) {
    if (c == "ru") {
      const auto r = testing::openssl_gost("cms -verify -binary -inform DER -in " + q(p7s) + " -content " +
                                           q(f("doc.xml")) + " -CAfile " + q(f("ru-root.pem")) + " -out /dev/null");
      INFO(r.out << r.err);
      CHECK(r.exit_code == 0);
      return;
    }
    const auto sd = sign::SignedDataView::load(p7s);
    const auto& si = sd.signers().at(0);
    testing::write(f("attrs.der"), std::string(si.signed_attrs_der.begin(), si.signed_attrs_der.end()));
    testing::write(f("sig.der"), std::string(si.signature.begin(), si.signature.end()));
    testing::write(f("pub.pem"), sd.find_signer_certificate(si)->public_key().to_pem());
    const auto r = testing::openssl_plain("pkeyutl -verify -rawin -digest sm3 -pkeyopt distid:1234567812345678 -pubin -inkey " +
                                          q(f("pub.pem")) + " -in " + q(f("attrs.der")) + " -sigfile " + q(f("sig.der")));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
  }
};

}  // namespace

TEST_CASE("An installed libsign builds and runs the C++, C and Python examples from outside the tree", "[packaging]") {
  Installed in;
  SECTION("C++ with find_package(libsign CONFIG), SM2") {
    in.ok("cmake -S " + q(kSource + "/examples/cpp") + " -B " + q(in.f("cpp")) + " -DCMAKE_PREFIX_PATH=" + q(in.prefix) +
          " >/dev/null");
    in.ok("cmake --build " + q(in.f("cpp")) + " >/dev/null");
    const std::string out = in.f("cpp.p7s");
    in.ok(in.lib_env() + q(in.f("cpp/sign_and_verify")) + " " + in.args("cn", out));
    in.xsign_verifies("cn", out);
    in.openssl_verifies("cn", out);
  }
  SECTION("C with pkg-config, GOST") {
    in.ok("cc -std=c11 -Wall -Werror " + q(kSource + "/examples/c/sign_and_verify.c") + " -o " + q(in.f("c-example")) +
          " $(PKG_CONFIG_PATH=" + q(in.prefix + "/lib/pkgconfig") + " pkg-config --cflags --libs libsign)");
    const std::string out = in.f("c.p7s");
    in.ok(in.lib_env() + q(in.f("c-example")) + " " + in.args("ru", out));
    in.xsign_verifies("ru", out);
    in.openssl_verifies("ru", out);
  }
  SECTION("Python over the C ABI, GOST") {
    const std::string out = in.f("py.p7s");
    in.ok("PYTHONPATH=" + q(kSource + "/bindings/python") + " XSIGN_LIBRARY=" + q(in.prefix + "/lib/libsign.so.0") +
          " python3 " + q(kSource + "/examples/python/sign_and_verify.py") + " " + in.args("ru", out));
    in.xsign_verifies("ru", out);
    in.openssl_verifies("ru", out);
  }
  SECTION("the installed tree holds what it should and nothing internal") {
    CHECK(fs::exists(in.prefix + "/lib/libsign.so.0"));
    CHECK(fs::exists(in.prefix + "/lib/libsign.a"));
    CHECK(fs::exists(in.prefix + "/lib/cmake/libsign/libsignConfig.cmake"));
    CHECK(fs::exists(in.prefix + "/lib/pkgconfig/libsign.pc"));
    CHECK(fs::exists(in.prefix + "/include/sign/sign.h"));
    CHECK(fs::exists(in.prefix + "/include/sign/facade.hpp"));
    CHECK(fs::exists(in.prefix + "/share/man/man1/xsign.1"));
    CHECK_FALSE(fs::exists(in.prefix + "/include/sign/cms_internal.hpp"));
    CHECK(run("man -l " + q(in.prefix + "/share/man/man1/xsign.1") + " >/dev/null 2>&1 || true").exit_code == 0);
    // A page per command, each rendering with its own options.
    for (const std::string page : {"xsign-sign.1", "xsign-verify.1", "xsign-ca-issue.1", "xsign-extend.1"}) {
      CAPTURE(page);
      REQUIRE(fs::exists(in.prefix + "/share/man/man1/" + page));
      const auto shown = run("MANWIDTH=100 man -l " + q(in.prefix + "/share/man/man1/" + page) + " 2>&1");
      CHECK(shown.exit_code == 0);
      CHECK_THAT(shown.out, Catch::Contains("SYNOPSIS") && Catch::Contains("--help"));
    }
    CHECK_FALSE(fs::exists(in.prefix + "/share/man/man1/xsign-man-pages.1"));
    const auto soname = run("objdump -p " + q(in.prefix + "/lib/libsign.so.0") + " | grep SONAME");
    CHECK_THAT(soname.out, Catch::Contains("libsign.so.0"));
  }
}

TEST_CASE("The shared library exports the public API only", "[packaging]") {
  const auto r = run("nm -D --defined-only -C " + q(kBuild + "/libsign/libsign.so"));
  REQUIRE(r.exit_code == 0);
  std::istringstream lines(r.out);
  std::string line;
  std::size_t exported = 0;
  std::vector<std::string> leaks;
  const std::regex internal(R"(sign::detail::|sign::cms_detail::|Botan::|httplib::|toml::|nlohmann::|\bstd::)");
  while (std::getline(lines, line)) {
    if (line.size() < 20) continue;
    const std::string symbol = line.substr(19);
    ++exported;
    const bool api = symbol.rfind("sign_", 0) == 0 || symbol.find("sign::") != std::string::npos;
    if (!api || (std::regex_search(symbol, internal) && symbol.find("(") == std::string::npos)) leaks.push_back(symbol);
    else if (symbol.find("sign::detail::") != std::string::npos || symbol.find("sign::cms_detail::") != std::string::npos)
      leaks.push_back(symbol);
  }
  INFO(exported << " exported symbols");
  for (const auto& l : leaks) UNSCOPED_INFO("leaked: " << l);
  CHECK(leaks.empty());
  CHECK(exported > 50);    // the API is there ...
  CHECK(exported < 1500);  // ... and not everything linked into it
  const auto c_api = run("nm -D --defined-only " + q(kBuild + "/libsign/libsign.so") + " | grep -c ' T sign_'");
  CHECK(std::stoi(c_api.out) == 9);
}

TEST_CASE("Neither xsign nor libsign.so links libxml2, libzip, p11-kit, libssl or toml++, and xsign runs without libstdc++.so",
          "[packaging]") {
  // They are opened on first use (support/lazy_library.hpp) or compiled in: a short process
  // maps only what openssl itself maps. A dependency that creeps back onto the link line fails
  // here before it slows every start.
  auto needed = [&](const std::string& file) {
    const auto r = run("readelf -d " + q(file) + " | grep NEEDED");
    REQUIRE(r.exit_code == 0);
    return r.out;
  };
  const std::string exe = needed(XSIGN_BIN), lib = needed(kBuild + "/libsign/libsign.so");
  for (const std::string& out : {exe, lib})
    CHECK_THAT(out, !Catch::Contains("libxml2") && !Catch::Contains("libzip") && !Catch::Contains("p11-kit") &&
                        !Catch::Contains("libssl") && !Catch::Contains("tomlplusplus"));
  CHECK_THAT(exe, !Catch::Contains("libstdc++") && !Catch::Contains("libgcc_s"));
  // And they still work when first used: XML and a container through the CLI.
  testing::TempDir dir;
  const auto xml = run(std::string(XSIGN_BIN) + " demo --dir " + q(dir.file("demo")) + " >/dev/null 2>&1");
  CHECK(xml.exit_code == 0);
}

TEST_CASE("CPack makes the Debian packages libsign0, libsign-dev and xsign, and they unpack into a working tree",
          "[packaging]") {
  testing::TempDir dir;
  const auto r = run("cd " + q(kBuild) + " && cpack -G DEB -B " + q(dir.file("debs")) + " >/dev/null 2>&1");
  REQUIRE(r.exit_code == 0);
  auto contents = [&](const std::string& deb) { return run("dpkg-deb --contents " + q(dir.file("debs/" + deb))).out; };
  auto field = [&](const std::string& deb, const std::string& f) {
    return run("dpkg-deb -f " + q(dir.file("debs/" + deb)) + " " + f).out;
  };
  const std::string v = std::string("_") + XSIGN_VERSION + "_amd64.deb";
  CHECK_THAT(contents("libsign0" + v), Catch::Contains("libsign.so.0"));
  CHECK_THAT(contents("libsign0" + v), !Catch::Contains("include/"));
  CHECK_THAT(field("libsign0" + v, "Depends"), Catch::Contains("libbotan-2-19"));
  // Opened with dlopen on first use, so dpkg-shlibdeps cannot find them: named by hand.
  for (const std::string deb : {"libsign0", "xsign"})
    CHECK_THAT(field(deb + v, "Depends"),
               Catch::Contains("libxml2") && Catch::Contains("libzip4") && Catch::Contains("libp11-kit0"));
  const std::string dev = contents("libsign-dev" + v);
  CHECK_THAT(dev, Catch::Contains("include/sign/facade.hpp") && Catch::Contains("include/sign/sign.h") &&
                      Catch::Contains("libsignConfig.cmake") && Catch::Contains("libsign.pc") &&
                      Catch::Contains("libsign.a"));
  CHECK_THAT(field("libsign-dev" + v, "Depends"), Catch::Contains("libsign0 (= "));
  CHECK_THAT(contents("xsign" + v), Catch::Contains("bin/xsign") && Catch::Contains("man1/xsign.1"));
  // Unpacked into a temporary root, the tool runs.
  for (const std::string deb : {"libsign0", "libsign-dev", "xsign"})
    REQUIRE(run("dpkg-deb -x " + q(dir.file("debs/" + deb + v)) + " " + q(dir.file("root"))).exit_code == 0);
  const auto version = run(q(dir.file("root/usr/bin/xsign")) + " --version");
  CHECK(version.exit_code == 0);
  CHECK_THAT(version.out, Catch::Contains(XSIGN_VERSION));
  if (run("command -v lintian >/dev/null").exit_code == 0)
    WARN("lintian: " << run("lintian --no-tag-display-limit " + q(dir.file("debs/xsign" + v)) + " 2>&1").out);
}

#endif  // XSIGN_SANITIZED_BUILD
