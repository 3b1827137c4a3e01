// The server's request handling (TSA, OCSP POST and GET, CRL and certificate downloads) with a
// real CA made once in a temporary directory. A hostile request must get an answer below 500.
#include <sign/ca.hpp>
#include <sign/server.hpp>

#include "fuzz_common.hpp"

#include <filesystem>
#include <unistd.h>

namespace {

sign::Server& server() {
  static sign::Server* s = [] {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / ("xsign-fuzz-http-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    sign::CertificateAuthority::InitOptions o;
    o.dir = dir / "ca";
    o.profile_path = XSIGN_SOURCE_DIR "/certs/ru.toml";
    o.now = sign::now();
    auto ca = sign::CertificateAuthority::init(o, nullptr);
    ca.create_service("tsa", "", o.now);
    ca.create_service("ocsp", "", o.now);
    sign::ServerConfig config;
    config.ca_dirs = {o.dir.string()};
    config.allow_root_ca = true;
    return new sign::Server(config);
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  // The first byte picks the route; the rest is the body (fixed paths) or the path's tail.
  struct Route {
    const char* method;
    const char* path;
    bool body;
  };
  static const Route kRoutes[] = {{"POST", "/tsa", true},  {"POST", "/ocsp", true}, {"GET", "/ocsp/", false},
                                  {"GET", "/crl/", false}, {"GET", "/ca/", false},   {"POST", "/tsa/", false},
                                  {"GET", "", false},      {"POST", "", false}};
  const Route& route = kRoutes[data[0] % 8];
  const std::string path = route.body ? route.path : std::string(route.path) + rest;
  const auto reply = server().handle(route.method, path, route.body ? rest : "");
  if (reply.status >= 500) {
    std::fprintf(stderr, "HTTP %d for %s %s: %s\n", reply.status, route.method, path.c_str(), reply.body.c_str());
    std::abort();
  }
  return 0;
}
