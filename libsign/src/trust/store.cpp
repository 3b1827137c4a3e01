// Loading a trust store from a bundle file or a trust directory.
#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/trust.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace sign {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.path().filename().string()[0] != '.') out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string first_reason(const std::vector<std::string>& warnings) {
  return warnings.empty() ? "" : " (" + warnings.front() + (warnings.size() > 1 ? ", and more" : "") + ")";
}

}  // namespace

TrustStore TrustStore::load(const std::string& path) {
  TrustStore t;
  if (!fs::exists(path)) throw NoInputError(path + ": no such trust file or directory");
  if (!fs::is_directory(path)) {
    t.anchors = Certificate::load_usable(path, t.warnings);
    if (t.anchors.empty()) throw FormatError(path + ": no usable trusted root certificate" + first_reason(t.warnings));
    return t;
  }
  const fs::path dir(path);
  if (!fs::is_directory(dir / "anchors"))
    throw FormatError(path + ": a trust directory needs an anchors/ folder with the trusted roots");
  // A store built from a published list holds entries xsign cannot use (other algorithms,
  // damaged files): each is skipped with a warning naming it, the rest of the store works.
  for (const auto& f : files_in(dir / "anchors")) {
    auto certs = Certificate::load_usable(f.string(), t.warnings);
    t.anchors.insert(t.anchors.end(), certs.begin(), certs.end());
  }
  if (t.anchors.empty())
    throw FormatError(path + "/anchors: no usable trusted root certificates" + first_reason(t.warnings));
  for (const auto& f : files_in(dir / "certs")) {
    auto certs = Certificate::load_usable(f.string(), t.warnings);
    t.intermediates.insert(t.intermediates.end(), certs.begin(), certs.end());
  }
  for (const auto& f : files_in(dir / "crls")) {
    try {
      t.crls.push_back({Crl::load(f.string()), "trust store: " + f.string()});
    } catch (const FormatError& e) {
      t.warnings.push_back(std::string(e.what()) + " (CRL skipped)");
    }
  }
  for (const auto& f : files_in(dir / "lists")) t.trust_lists.emplace_back(f.string(), read_file(f.string()));
  if (fs::exists(dir / "policy.toml")) t.policy = ValidationPolicy::load((dir / "policy.toml").string());
  return t;
}

std::string TrustStore::default_location() {
  if (const char* env = std::getenv("XSIGN_TRUST"); env && *env) return env;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/xsign/trust";
  return ".xsign-trust";
}

}  // namespace sign
