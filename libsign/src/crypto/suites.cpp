#include <sign/crypto.hpp>
#include <sign/error.hpp>

#include "crypto/curves.hpp"

#include <array>

namespace sign {
namespace {

constexpr std::array<SuiteInfo, 5> kSuites{{
    {Suite::sm2, "sm2", "CN", "SM2 signature with SM3 (GM/T 0003, GM/T 0009 ID)",
     "1.2.840.10045.2.1", "1.2.156.10197.1.501", DigestAlgorithm::sm3, "1.2.156.10197.1.301"},
    {Suite::gost256, "gost256", "RU", "GOST R 34.10-2012 256-bit with Streebog-256",
     "1.2.643.7.1.1.1.1", "1.2.643.7.1.1.3.2", DigestAlgorithm::streebog256, "1.2.643.2.2.35.1"},
    {Suite::gost512, "gost512", "RU", "GOST R 34.10-2012 512-bit with Streebog-512",
     "1.2.643.7.1.1.1.2", "1.2.643.7.1.1.3.3", DigestAlgorithm::streebog512, "1.2.643.7.1.2.1.2.1"},
    {Suite::p256, "p256", "international", "ECDSA on NIST P-256 with SHA-256",
     "1.2.840.10045.2.1", "1.2.840.10045.4.3.2", DigestAlgorithm::sha256, "1.2.840.10045.3.1.7"},
    {Suite::gost2001, "gost2001", "RU", "GOST R 34.10-2001 with GOST R 34.11-94 (verification of archives only)",
     "1.2.643.2.2.19", "1.2.643.2.2.3", DigestAlgorithm::gost94, "1.2.643.2.2.35.1", true},
}};

struct DigestDef {
  DigestAlgorithm alg;
  std::string_view name;
  std::string_view oid;
  std::size_t size;
};

constexpr std::array<DigestDef, 6> kDigests{{
    {DigestAlgorithm::sm3, "SM3", "1.2.156.10197.1.401", 32},
    {DigestAlgorithm::streebog256, "Streebog-256", "1.2.643.7.1.1.2.2", 32},
    {DigestAlgorithm::streebog512, "Streebog-512", "1.2.643.7.1.1.2.3", 64},
    {DigestAlgorithm::sha256, "SHA-256", "2.16.840.1.101.3.4.2.1", 32},
    {DigestAlgorithm::sha1, "SHA-1", "1.3.14.3.2.26", 20},
    {DigestAlgorithm::gost94, "GOST R 34.11-94", "1.2.643.2.2.9", 32},
}};

const DigestDef& digest_def(DigestAlgorithm alg) {
  for (const auto& d : kDigests)
    if (d.alg == alg) return d;
  throw InternalError("unknown digest algorithm");
}

}  // namespace

const SuiteInfo& suite_info(Suite suite) {
  for (const auto& s : kSuites)
    if (s.suite == suite) return s;
  throw InternalError("unknown suite");
}

std::span<const SuiteInfo> all_suites() { return kSuites; }

std::string_view suite_name(Suite suite) { return suite_info(suite).name; }

Suite parse_suite(std::string_view name) {
  std::string valid;
  for (const auto& s : kSuites) {
    if (s.name == name) return s.suite;
    valid += (valid.empty() ? "" : ", ") + std::string(s.name);
  }
  throw UsageError("unknown suite '" + std::string(name) + "' (valid suites: " + valid + ")");
}

std::string_view digest_name(DigestAlgorithm alg) { return digest_def(alg).name; }
std::string_view digest_oid(DigestAlgorithm alg) { return digest_def(alg).oid; }
std::size_t digest_size(DigestAlgorithm alg) { return digest_def(alg).size; }

bool digest_from_oid(std::string_view oid, DigestAlgorithm& out) {
  // Chinese CMS producers (BJCA, Kinsec) write SM3 as 1.2.156.10197.1.401.2 as well.
  if (oid == "1.2.156.10197.1.401.2") {
    out = DigestAlgorithm::sm3;
    return true;
  }
  for (const auto& d : kDigests) {
    if (d.oid == oid) {
      out = d.alg;
      return true;
    }
  }
  return false;
}

std::vector<CurveInfo> curves_for(Suite suite) {
  std::vector<CurveInfo> out;
  for (const auto& c : detail::curve_table())
    if (c.info.suite == suite) out.push_back(c.info);
  return out;
}

const CurveInfo& curve_info(std::string_view oid) {
  if (const auto* c = detail::find_curve(oid)) return c->info;
  throw FormatError("unsupported curve or parameter set " + std::string(oid));
}

}  // namespace sign
