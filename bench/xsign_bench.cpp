// xsign benchmarks: our cost against the raw primitives, each ratio measured in the same run.
// Prints one Markdown table (docs/performance.md shows a run). Not a test: nothing is asserted.
//
//   xsign_bench [--quick] [SECTION...]   sections: suites hashing batch rss process crl server
//                           (default: all); --quick: shorter rounds, 32 MiB of hashing (not 256), 1,000 batch
//                           signatures (not 10,000), a 256 MiB document (not 4 GiB), 10,000 CRL
//                           entries (not 100,000)
// Every ratio is the median of bench::kRounds interleaved rounds (measure.hpp).
#define OPENSSL_SUPPRESS_DEPRECATED  // ENGINE_get_digest: the GOST baseline is the engine
#include <cstdlib>
#include <stdexcept>
#include <sign/ca.hpp>
#include <sign/io.hpp>
#include <sign/cms.hpp>
#include <sign/ocsp.hpp>
#include <sign/server.hpp>
#include <sign/tsp.hpp>
#include <sign/validate.hpp>

#include <botan/auto_rng.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/gost_3410.h>
#include <botan/hash.h>
#include <botan/pubkey.h>
#include <botan/sm2.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "crypto/gost_engine.hpp"
#include "measure.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
using bench::against_target;
using bench::paired;
using bench::rate;

const sign::Bytes kMessage(1024, 0x5a);

// ---------------------------------------------------------------- raw primitives

double botan_sign_rate(sign::Suite suite, bool verify) {
  Botan::AutoSeeded_RNG rng;
  std::unique_ptr<Botan::Private_Key> key;
  std::string padding;
  switch (suite) {
    case sign::Suite::sm2:
      key = std::make_unique<Botan::SM2_PrivateKey>(rng, Botan::EC_Group("sm2p256v1"));
      padding = "1234567812345678,SM3";
      break;
    case sign::Suite::gost256:
      key = std::make_unique<Botan::GOST_3410_PrivateKey>(rng, Botan::EC_Group("gost_256A"));
      padding = "EMSA1(Streebog-256)";
      break;
    case sign::Suite::gost512:
      key = std::make_unique<Botan::GOST_3410_PrivateKey>(rng, Botan::EC_Group("gost_512A"));
      padding = "EMSA1(Streebog-512)";
      break;
    case sign::Suite::p256:
      key = std::make_unique<Botan::ECDSA_PrivateKey>(rng, Botan::EC_Group("secp256r1"));
      padding = "EMSA1(SHA-256)";
      break;
    case sign::Suite::gost2001:
      throw std::logic_error("gost2001 is verification only: it has no signing row");
  }
  Botan::PK_Signer signer(*key, rng, padding, Botan::DER_SEQUENCE);
  const auto sig = signer.sign_message(kMessage, rng);
  if (!verify) return rate([&] { (void)signer.sign_message(kMessage, rng); });
  Botan::PK_Verifier verifier(*key, padding, Botan::DER_SEQUENCE);
  return rate([&] { (void)verifier.verify_message(kMessage, sig); });
}

// OpenSSL EVP: SM2 (with the distid) and P-256 on the default provider, GOST on the GOST
// engine (the fastest GOST here), with raw EVP calls: the baseline libsign's GOST is held to.
double openssl_rate(sign::Suite suite, bool verify) {
  ENGINE* engine = nullptr;
  EVP_PKEY* key = nullptr;
  const EVP_MD* md = nullptr;
  if (suite == sign::Suite::sm2 || suite == sign::Suite::p256) {
    key = suite == sign::Suite::sm2 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "SM2")
                                    : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
    md = EVP_MD_fetch(nullptr, suite == sign::Suite::sm2 ? "SM3" : "SHA256", nullptr);
  } else {
    engine = sign::detail::gost_engine();
    if (!engine) throw std::runtime_error("the GOST baseline needs OpenSSL's GOST engine (libengine-gost-openssl)");
    const auto ours = sign::PrivateKey::generate(suite);
    const sign::Bytes der = ours.to_pkcs8_der();
    const unsigned char* p = der.data();
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
    key = EVP_PKCS82PKEY(info);
    PKCS8_PRIV_KEY_INFO_free(info);
    md = ENGINE_get_digest(engine, suite == sign::Suite::gost512 ? NID_id_GostR3411_2012_512 : NID_id_GostR3411_2012_256);
    if (!key || !md) throw std::runtime_error("the GOST engine did not take the key");
  }
  auto init = [&](EVP_MD_CTX* ctx, bool for_verify) {
    EVP_PKEY_CTX* pctx = nullptr;
    if (for_verify) EVP_DigestVerifyInit(ctx, &pctx, md, engine, key);
    else EVP_DigestSignInit(ctx, &pctx, md, engine, key);
    if (suite == sign::Suite::sm2) EVP_PKEY_CTX_set1_id(pctx, "1234567812345678", 16);
  };
  unsigned char sig[160];
  std::size_t len = sizeof sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  init(ctx, false);
  EVP_DigestSign(ctx, sig, &len, kMessage.data(), kMessage.size());
  // The fastest way OpenSSL offers for many messages with one key: the operation initialised
  // once (SHA-256 fetched once), each message started from a copy of that template and
  // finalised once (EVP_MD_CTX_FLAG_FINALISE: no key context duplicated per message).
  EVP_MD_CTX* prepared = EVP_MD_CTX_new();
  init(prepared, verify);
  EVP_MD_CTX_set_flags(prepared, EVP_MD_CTX_FLAG_FINALISE);
  const double r = rate([&] {
    EVP_MD_CTX_copy_ex(ctx, prepared);
    if (verify) {
      EVP_DigestVerify(ctx, sig, len, kMessage.data(), kMessage.size());
    } else {
      std::size_t l = sizeof sig;
      unsigned char out[160];
      EVP_DigestSign(ctx, out, &l, kMessage.data(), kMessage.size());
    }
  });
  EVP_MD_CTX_free(prepared);
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  if (!engine) EVP_MD_free(const_cast<EVP_MD*>(md));  // fetched above (the engine's digests are its own)
  return r;
}

// ---------------------------------------------------------------- our PKI for the measurements

struct Domain {
  std::unique_ptr<sign::CertificateAuthority> root, issuing;
  sign::PrivateKey signer_key{nullptr};
  sign::Certificate signer_cert{nullptr};
};

std::string write(const fs::path& path, const std::string& text) {
  sign::write_file_atomic(path, text, sign::FileMode::private_0600);
  return path.string();
}

// A root, an issuing CA and a signer, all in `suite`: the national profile's CAs, with the
// profile's suite replaced when the suite is not the profile's own (gost512, p256).
Domain make_domain(const fs::path& dir, const std::string& profile, sign::Suite suite) {
  Domain d;
  const auto now = sign::now() - std::chrono::hours(1);
  const std::string name(sign::suite_name(suite));
  std::string text = sign::read_text_file(std::string(XSIGN_SOURCE_DIR) + "/certs/" + profile + ".toml");
  const auto line = text.find("\nsuite = \"");
  if (line == std::string::npos) throw std::runtime_error("certs/" + profile + ".toml names no suite");
  const auto end = text.find('\n', line + 1);
  text.replace(line, end - line, "\nsuite = \"" + name + "\"");
  const std::string tag = profile + "-" + name;
  sign::CertificateAuthority::InitOptions o;
  o.dir = dir / (tag + "-root");
  o.profile_path = write(dir / (tag + ".toml"), text);
  o.now = now;
  d.root = std::make_unique<sign::CertificateAuthority>(sign::CertificateAuthority::init(o, nullptr));
  o.dir = dir / (tag + "-issuing");
  o.issuing = true;
  d.issuing = std::make_unique<sign::CertificateAuthority>(sign::CertificateAuthority::init(o, d.root.get()));
  d.signer_key = sign::PrivateKey::generate(suite);
  d.signer_cert = d.issuing->issue(
      sign::CertificateRequest::create(d.signer_key, sign::DistinguishedName::parse("/C=" + std::string(profile == "cn" ? "CN" : "RU") + "/CN=Bench Signer")),
      "trader", now);
  return d;
}

std::map<std::string, Domain> domains;

// The domain the suite rows made, or a new one when they were not run (`xsign_bench crl`).
Domain& domain_of(const fs::path& dir, sign::Suite suite) {
  const std::string name(sign::suite_name(suite));
  if (!domains.count(name))
    domains.emplace(name, make_domain(dir, suite == sign::Suite::sm2 ? "cn" : "ru", suite));
  return domains.at(name);
}

std::string gost_engine_conf(const fs::path& dir) {
  return write(dir / "gost.cnf", std::string("openssl_conf = d\n[d]\nengines = e\n[e]\ngost = g\n[g]\nengine_id = gost\n"
                                             "dynamic_path = ") + GOST_ENGINE_PATH + "\ndefault_algorithms = ALL\n");
}

// The GOST domain's files as the two command-line tools read them: key, certificates, a trust
// directory for xsign and, for openssl, the root and the same CRLs in one PEM file.
struct GostFiles {
  std::string key, cert, chain, root, crls, trust, conf;
  std::vector<std::string> openssl_env;
};

GostFiles gost_files(const fs::path& dir, const Domain& d, const sign::Crl& issuing_crl, const std::string& tag) {
  GostFiles f;
  f.key = write(dir / "gost.key", d.signer_key.to_pem());
  f.cert = write(dir / "gost.pem", d.signer_cert.pem());
  f.chain = write(dir / "gost-ca.pem", d.issuing->certificate().pem());
  f.root = write(dir / "gost-root.pem", d.root->certificate().pem());
  f.conf = gost_engine_conf(dir);
  const auto root_crl = d.root->make_crl(sign::now());
  // openssl cms reads CRLs from its CAfile (it has no -CRLfile): the root, then both CRLs.
  f.crls = write(dir / ("root-and-crls-" + tag + ".pem"), d.root->certificate().pem() + root_crl.pem() + issuing_crl.pem());
  const fs::path trust = dir / ("trust-" + tag);
  fs::create_directories(trust / "anchors");
  fs::create_directories(trust / "crls");
  write(trust / "anchors" / "root.pem", d.root->certificate().pem());
  write(trust / "crls" / "root.crl", root_crl.pem());
  write(trust / "crls" / "issuing.crl", issuing_crl.pem());
  f.trust = trust.string();
  f.openssl_env = {"OPENSSL_CONF=" + f.conf};
  return f;
}

// The OpenSSL CMS + GOST engine baseline (bench/openssl_gost_cms.c) for one round: sign and
// verify rates of OpenSSL's own CMS_sign / CMS_verify with the engine, in its own process.
std::pair<double, double> openssl_cms_rates(const GostFiles& f) {
  const auto run = bench::capture({OPENSSL_GOST_CMS_BIN, f.key, f.cert, f.chain, f.root, std::to_string(bench::round_seconds)},
                                  f.openssl_env);
  double cms_sign = 0, cms_verify = 0;
  if (run.exit_code != 0 || std::sscanf(run.text.c_str(), "%lf %lf", &cms_sign, &cms_verify) != 2 || cms_sign <= 0 ||
      cms_verify <= 0)
    throw std::runtime_error("the OpenSSL CMS + GOST engine baseline could not be measured:\n" + run.text);
  return {cms_sign, cms_verify};
}

void suite_rows(const fs::path& dir, sign::Suite suite, const std::string& profile) {
  const std::string name(sign::suite_name(suite));
  std::fprintf(stderr, "%s\n", name.c_str());
  // Which implementation is fastest decides each baseline; both are measured in the rounds.
  const double botan_sign = botan_sign_rate(suite, false), botan_verify = botan_sign_rate(suite, true);
  const double ossl_sign = openssl_rate(suite, false), ossl_verify = openssl_rate(suite, true);
  if (ossl_sign <= 0 || ossl_verify <= 0) throw std::runtime_error(name + ": the OpenSSL baseline could not be measured");
  const bool ossl_faster_sign = ossl_sign > botan_sign, ossl_faster_verify = ossl_verify > botan_verify;
  const std::function<double()> best_sign = [=] { return ossl_faster_sign ? openssl_rate(suite, false) : botan_sign_rate(suite, false); };
  const std::function<double()> best_verify = [=] { return ossl_faster_verify ? openssl_rate(suite, true) : botan_sign_rate(suite, true); };
  const bool gost = suite == sign::Suite::gost256 || suite == sign::Suite::gost512;
  const std::string engine = gost ? "OpenSSL+GOST engine" : "OpenSSL";
  const std::string sign_base = (ossl_faster_sign ? engine : std::string("Botan")) + " raw sign";
  const std::string verify_base = (ossl_faster_verify ? engine : std::string("Botan")) + " raw verify";

  paired(name + ": raw sign, Botan vs " + engine + " (ops/s)", [=] { return botan_sign_rate(suite, false); }, engine,
         [=] { return openssl_rate(suite, false); }, "");
  paired(name + ": raw verify, Botan vs " + engine + " (ops/s)", [=] { return botan_sign_rate(suite, true); }, engine,
         [=] { return openssl_rate(suite, true); }, "");

  Domain d = make_domain(dir, profile, suite);
  const auto content = sign::Content::bytes(kMessage);
  sign::SignerSpec spec{d.signer_key, d.signer_cert, {d.issuing->certificate()}, {}, sign::Commitment::none,
                        sign::now()};
  sign::Bytes p7s;
  auto sign_once = [&] {
    p7s.clear();
    sign::sign_document(content, spec, {}, [&](sign::ByteView c) { p7s.insert(p7s.end(), c.begin(), c.end()); });
  };
  paired(name + ": CAdES-B sign, 1 KiB document (ops/s)", [&] { return rate(sign_once); }, sign_base, best_sign, ">= 0.9x");

  sign::TrustStore trust;
  trust.anchors = {d.root->certificate()};
  trust.crls = {{d.root->make_crl(sign::now()), "bench"},
                {d.issuing->make_crl(sign::now()), "bench"}};
  sign::ValidationPolicy policy;
  auto verify_once = [&] {
    const auto sd = sign::SignedDataView::parse(sign::memory_source(p7s));
    const auto report = sign::validate_signed_data(sd, content, trust, policy);
    if (report.overall() != sign::Indication::total_passed) throw std::runtime_error("bench signature did not validate");
  };
  sign_once();
  // Warm: CA certificate and CRL signatures are checked once per process and remembered, as a
  // long-running verifier would; the signer's signature, path and both CRL lookups every time.
  paired(name + ": full verify, warm caches (ops/s)", [&] { return rate(verify_once); }, verify_base, best_verify, ">= 0.8x");

  if (suite == sign::Suite::gost256) {
    // OpenSSL's CMS with the GOST engine, in its own process, on the same key and chain.
    const GostFiles f = gost_files(dir, d, d.issuing->make_crl(sign::now()), "cms");
    paired("gost256: CAdES-B sign vs OpenSSL CMS + GOST engine (ops/s)", [&] { return rate(sign_once); },
           "openssl CMS_sign", [&] { return openssl_cms_rates(f).first; }, "> 1x");
    paired("gost256: full verify vs OpenSSL CMS_verify + chain (ops/s)", [&] { return rate(verify_once); },
           "openssl CMS_verify", [&] { return openssl_cms_rates(f).second; }, "> 1x");
  }
  domains.emplace(name, std::move(d));
}

// Verifying many signatures: validate_batch on 1 and on 2 threads.
void batch_rows(const fs::path& dir, std::size_t count) {
  std::fprintf(stderr, "batch of %zu signatures\n", count);
  auto& d = domain_of(dir, sign::Suite::sm2);
  const fs::path bdir = dir / "batch";
  fs::create_directories(bdir);
  sign::SignerSpec spec{d.signer_key, d.signer_cert, {d.issuing->certificate()}, {}, sign::Commitment::none,
                        sign::now()};
  std::vector<sign::BatchItem> items;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string doc = (bdir / ("declaration-" + std::to_string(i) + ".xml")).string();
    const std::string text = "<Declaration><No>" + std::to_string(i) + "</No></Declaration>\n";
    sign::write_file_atomic(doc, text, sign::FileMode::public_0644);
    sign::AtomicFileWriter out(doc + ".p7s", sign::FileMode::public_0644);
    sign::sign_document(sign::Content::file(doc), spec, {}, [&](sign::ByteView c) { out.write(c); });
    out.commit();
    items.push_back({doc + ".p7s", doc});
  }
  sign::TrustStore trust;
  trust.anchors = {d.root->certificate()};
  trust.crls = {{d.root->make_crl(sign::now()), "bench"},
                {d.issuing->make_crl(sign::now()), "bench"}};
  auto timed = [&](unsigned jobs) {
    const auto start = Clock::now();
    const auto reports = sign::validate_batch(items, trust, {}, {}, jobs);
    const double s = std::chrono::duration<double>(Clock::now() - start).count();
    for (const auto& r : reports)
      if (r.overall() != sign::Indication::total_passed) throw std::runtime_error("batch item did not validate");
    return static_cast<double>(items.size()) / s;
  };
  (void)timed(2);  // warm the caches once, as a long-running verifier would be
  paired("batch verify " + std::to_string(count) + " sm2 signatures, 2 threads vs 1 (sig/s)", [&] { return timed(2); },
         "1 thread", [&] { return timed(1); }, ">= 1.8x");

  // The ceiling this machine allows: the raw primitive alone on 1 and on 2 threads.
  Botan::AutoSeeded_RNG rng;
  Botan::SM2_PrivateKey raw_key(rng, Botan::EC_Group("sm2p256v1"));
  Botan::PK_Signer raw_signer(raw_key, rng, "1234567812345678,SM3", Botan::DER_SEQUENCE);
  const auto raw_sig = raw_signer.sign_message(kMessage, rng);
  auto raw = [&](int threads) {
    const std::size_t per = count / static_cast<std::size_t>(threads);
    const auto start = Clock::now();
    std::vector<std::thread> ts;
    for (int t = 0; t < threads; ++t)
      ts.emplace_back([&] {
        Botan::PK_Verifier v(raw_key, "1234567812345678,SM3", Botan::DER_SEQUENCE);
        for (std::size_t i = 0; i < per; ++i) (void)v.verify_message(kMessage, raw_sig);
      });
    for (auto& t : ts) t.join();
    return static_cast<double>(per * static_cast<std::size_t>(threads)) / std::chrono::duration<double>(Clock::now() - start).count();
  };
  paired("raw Botan SM2 verify, 2 threads vs 1 (machine ceiling, ops/s)", [&] { return raw(2); }, "1 thread",
         [&] { return raw(1); }, "");

  // The whole command on the same files: reports stream out, so memory does not grow with them.
  const std::string anchors = write(bdir / "anchors.pem", d.root->certificate().pem());
  const std::string root_crl = write(bdir / "root.crl", trust.crls[0].crl.pem());
  const std::string issuing_crl = write(bdir / "issuing.crl", trust.crls[1].crl.pem());
  std::vector<std::string> argv{XSIGN_BIN, "verify-batch", "--trust", anchors, "--crl", root_crl, "--crl", issuing_crl, "--json"};
  for (const auto& item : items) argv.push_back(item.signature_file);
  against_target("peak RSS: xsign verify-batch, " + std::to_string(count) + " files (MiB)",
                 static_cast<double>(bench::peak_rss_kib(argv)) / 1024, 32.0, "<= 32 MiB");
}

// Peak resident memory of `xsign sign` and `xsign verify` on a large generated document.
void rss_rows(const fs::path& dir, std::size_t mib) {
  std::fprintf(stderr, "peak RSS on a %zu MiB document\n", mib);
  auto& d = domain_of(dir, sign::Suite::sm2);
  const fs::path big = dir / "big.bin";
  {
    sign::AtomicFileWriter out(big, sign::FileMode::public_0644);
    sign::Bytes block(1 << 20);
    for (std::size_t i = 0; i < mib; ++i) {
      std::fill(block.begin(), block.end(), static_cast<std::uint8_t>(i));
      out.write(block);
    }
    out.commit();
  }
  const auto key = write(dir / "big.key", d.signer_key.to_pem());
  const auto cert = write(dir / "big.pem", d.signer_cert.pem());
  fs::create_directories(dir / "trust" / "anchors");
  fs::create_directories(dir / "trust" / "crls");
  write(dir / "trust" / "anchors" / "root.pem", d.root->certificate().pem());
  write(dir / "trust" / "crls" / "root.crl", d.root->make_crl(sign::now()).pem());
  write(dir / "trust" / "crls" / "issuing.crl", d.issuing->make_crl(sign::now()).pem());
  const auto chain = write(dir / "big-ca.pem", d.issuing->certificate().pem());
  for (const bool attach : {false, true}) {
    const std::string sig = big.string() + (attach ? ".attached.p7s" : ".p7s");
    std::vector<std::string> sign_cmd{XSIGN_BIN, "sign", big.string(), "--key", key, "--cert", cert, "--chain", chain, "--out", sig};
    if (attach) sign_cmd.push_back("--attach");
    const long sign_rss = bench::peak_rss_kib(sign_cmd);
    std::vector<std::string> verify_cmd{XSIGN_BIN, "verify", sig, "--trust", (dir / "trust").string()};
    if (!attach) verify_cmd = {XSIGN_BIN, "verify", big.string(), sig, "--trust", (dir / "trust").string()};
    const long verify_rss = bench::peak_rss_kib(verify_cmd);
    const std::string kind = attach ? "attached" : "detached";
    against_target("peak RSS: xsign sign, " + std::to_string(mib) + " MiB " + kind + " (MiB)", sign_rss / 1024.0, 32, "<= 32 MiB");
    against_target("peak RSS: xsign verify, " + std::to_string(mib) + " MiB " + kind + " (MiB)", verify_rss / 1024.0, 32,
                   "<= 32 MiB");
    fs::remove(sig);
  }
  fs::remove(big);
}

// ---------------------------------------------------------------- hashing

double hash_rate_ours(sign::DigestAlgorithm alg, const sign::Bytes& buffer, std::size_t total) {
  const auto start = Clock::now();
  sign::Digest d(alg);
  for (std::size_t done = 0; done < total; done += buffer.size()) d.update(buffer);
  (void)d.finish();
  return static_cast<double>(total) / (1 << 20) / std::chrono::duration<double>(Clock::now() - start).count();
}

double hash_rate_botan(const std::string& name, const sign::Bytes& buffer, std::size_t total) {
  auto h = Botan::HashFunction::create_or_throw(name);
  const auto start = Clock::now();
  for (std::size_t done = 0; done < total; done += buffer.size()) h->update(buffer.data(), buffer.size());
  (void)h->final();
  return static_cast<double>(total) / (1 << 20) / std::chrono::duration<double>(Clock::now() - start).count();
}

double hash_rate_openssl(const EVP_MD* md, const sign::Bytes& buffer, std::size_t total, ENGINE* engine = nullptr) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, md, engine);
  const auto start = Clock::now();
  for (std::size_t done = 0; done < total; done += buffer.size()) EVP_DigestUpdate(ctx, buffer.data(), buffer.size());
  unsigned char out[64];
  unsigned len = 0;
  EVP_DigestFinal_ex(ctx, out, &len);
  EVP_MD_CTX_free(ctx);
  return static_cast<double>(total) / (1 << 20) / std::chrono::duration<double>(Clock::now() - start).count();
}

void hash_rows(std::size_t mib) {
  std::fprintf(stderr, "hashing %zu MiB in %zu KiB buffers\n", mib, sign::kStreamBufferBytes / 1024);
  const sign::Bytes buffer(sign::kStreamBufferBytes, 0xa5);
  const std::size_t total = mib << 20;
  struct H {
    sign::DigestAlgorithm alg;
    std::string botan;
    const EVP_MD* openssl;
  };
  ENGINE* engine = sign::detail::gost_engine();
  if (!engine) throw std::runtime_error("the Streebog baseline needs OpenSSL's GOST engine (libengine-gost-openssl)");
  const EVP_MD* streebog256 = ENGINE_get_digest(engine, NID_id_GostR3411_2012_256);
  const EVP_MD* streebog512 = ENGINE_get_digest(engine, NID_id_GostR3411_2012_512);
  for (const H& h : {H{sign::DigestAlgorithm::sm3, "SM3", EVP_sm3()}, H{sign::DigestAlgorithm::streebog256, "Streebog-256", streebog256},
                     H{sign::DigestAlgorithm::streebog512, "Streebog-512", streebog512},
                     H{sign::DigestAlgorithm::sha256, "SHA-256", EVP_sha256()}}) {
    ENGINE* e = h.openssl == streebog256 || h.openssl == streebog512 ? engine : nullptr;
    const bool ossl_best = hash_rate_openssl(h.openssl, buffer, total, e) > hash_rate_botan(h.botan, buffer, total);
    paired(std::string(sign::digest_name(h.alg)) + ": document hashing (MiB/s)",
           [&] { return hash_rate_ours(h.alg, buffer, total); },
           std::string(ossl_best ? (e ? "OpenSSL+GOST engine" : "OpenSSL") : "Botan") + " raw hash",
           [&] { return ossl_best ? hash_rate_openssl(h.openssl, buffer, total, e) : hash_rate_botan(h.botan, buffer, total); },
           ">= 0.95x");
  }
}

// ---------------------------------------------------------------- whole processes

std::vector<std::string> openssl_cms_verify(const GostFiles& f, const std::string& sig, const std::string& doc) {
  return {"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", sig, "-content", doc, "-CAfile", f.crls,
          "-crl_check_all", "-purpose", "any", "-out", "/dev/null"};
}

// `xsign sign` / `xsign verify` against `openssl cms -sign` / `-verify` with the GOST engine:
// the same key, certificates, document and CRLs, whole processes as a user runs them.
void process_rows(const fs::path& dir, std::size_t big_mib) {
  std::fprintf(stderr, "whole processes (gost256)\n");
  const auto& d = domain_of(dir, sign::Suite::gost256);
  const GostFiles f = gost_files(dir, d, d.issuing->make_crl(sign::now()), "small");
  const fs::path small = dir / "doc-1k.xml", big = dir / "doc-big.bin";
  sign::write_file_atomic(small, std::string(1024, 'x'), sign::FileMode::public_0644);
  {
    sign::AtomicFileWriter out(big, sign::FileMode::public_0644);
    sign::Bytes block(1 << 20, 0x3c);
    for (std::size_t i = 0; i < big_mib; ++i) out.write(block);
    out.commit();
  }
  for (const auto& [doc_path, size_label] : {std::pair{small.string(), std::string("1 KiB")},
                                             std::pair{big.string(), std::to_string(big_mib) + " MiB"}}) {
    // Named copies: the lambdas below capture them (clang 14 cannot capture a structured binding).
    const std::string doc = doc_path, label = size_label;
    const std::string ours_sig = doc + ".xsign.p7s", their_sig = doc + ".openssl.p7s";
    const std::vector<std::string> xsign_sign{XSIGN_BIN, "sign", doc, "--key", f.key, "--cert", f.cert, "--chain", f.chain,
                                              "--out", ours_sig, "--force", "--quiet"};
    const std::vector<std::string> openssl_sign{"openssl", "cms", "-sign", "-binary", "-in", doc, "-signer", f.cert,
                                                "-inkey", f.key, "-certfile", f.chain, "-md", "md_gost12_256",
                                                "-outform", "DER", "-out", their_sig};
    paired("whole process: sign " + label + ", xsign vs openssl cms (runs/s)", [&] { return bench::process_rate(xsign_sign); },
           "openssl cms -sign", [&] { return bench::process_rate(openssl_sign, f.openssl_env); }, ">= 1x");
    const std::vector<std::string> xsign_verify{XSIGN_BIN, "verify", doc, ours_sig, "--trust", f.trust, "--offline"};
    paired("whole process: verify " + label + " with CRLs, xsign vs openssl cms (runs/s)",
           [&] { return bench::process_rate(xsign_verify); }, "openssl cms -verify -crl_check_all",
           [&] { return bench::process_rate(openssl_cms_verify(f, their_sig, doc), f.openssl_env); }, ">= 1x");
  }
  fs::remove(big);
}

// A national-scale CRL: `entries` revoked serials on the issuing CA's CRL.
void big_crl_rows(const fs::path& dir, std::size_t entries) {
  std::fprintf(stderr, "a CRL of %zu entries (gost256)\n", entries);
  const auto& d = domain_of(dir, sign::Suite::gost256);
  std::vector<sign::RevokedEntry> revoked;
  revoked.reserve(entries);
  Botan::AutoSeeded_RNG rng;
  const auto when = sign::now() - std::chrono::hours(1);
  for (std::size_t i = 0; i < entries; ++i) {
    sign::Bytes serial(16);
    rng.randomize(serial.data(), serial.size());
    serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x01);  // positive, no leading zero
    revoked.push_back({serial, when, sign::RevocationReason::key_compromise});
  }
  const auto& issuer = d.issuing->certificate();
  const sign::Crl big = sign::Crl::create(issuer.subject(), sign::key_identifier(issuer.public_key()), d.issuing->signing_key(), 2,
                                          sign::now() - std::chrono::minutes(1), sign::now() + std::chrono::hours(24), revoked);
  const std::string label = std::to_string(entries / 1000) + "k-entry CRL";

  // In-process, warm: the CRL parsed once, each document's lookup against it.
  const auto content = sign::Content::bytes(kMessage);
  sign::SignerSpec spec{d.signer_key, d.signer_cert, {d.issuing->certificate()}, {}, sign::Commitment::none, sign::now()};
  sign::Bytes p7s;
  sign::sign_document(content, spec, {}, [&](sign::ByteView c) { p7s.insert(p7s.end(), c.begin(), c.end()); });
  sign::TrustStore trust;
  trust.anchors = {d.root->certificate()};
  trust.crls = {{d.root->make_crl(sign::now()), "bench"}, {big, "bench"}};
  const double ms = bench::median_rate([&] {
    return 1000.0 / rate([&] {
             const auto sd = sign::SignedDataView::parse(sign::memory_source(p7s));
             if (sign::validate_signed_data(sd, content, trust, {}).overall() != sign::Indication::total_passed)
               throw std::runtime_error("the signature did not validate against the big CRL");
           });
  });
  against_target("warm full verify with a " + label + " (ms per document, median of 5)", ms, 1.0, "<= 1 ms");

  // Whole processes, and their peak memory, against openssl with the same CRLs.
  const GostFiles f = gost_files(dir, d, big, "big");
  const std::string doc = (dir / "doc-crl.xml").string();
  sign::write_file_atomic(doc, std::string(1024, 'y'), sign::FileMode::public_0644);
  const std::string ours_sig = doc + ".xsign.p7s", their_sig = doc + ".openssl.p7s";
  bench::run_process({XSIGN_BIN, "sign", doc, "--key", f.key, "--cert", f.cert, "--chain", f.chain, "--out", ours_sig, "--quiet"});
  bench::run_process({"openssl", "cms", "-sign", "-binary", "-in", doc, "-signer", f.cert, "-inkey", f.key, "-certfile", f.chain,
                      "-md", "md_gost12_256", "-outform", "DER", "-out", their_sig},
                     f.openssl_env);
  const std::vector<std::string> xsign_verify{XSIGN_BIN, "verify", doc, ours_sig, "--trust", f.trust, "--offline"};
  paired("whole process: verify with a " + label + ", xsign vs openssl cms (runs/s)",
         [&] { return bench::process_rate(xsign_verify); }, "openssl cms -verify -crl_check_all",
         [&] { return bench::process_rate(openssl_cms_verify(f, their_sig, doc), f.openssl_env); }, ">= 1x");
  paired("peak RSS: verify with a " + label + ", xsign vs openssl cms (MiB)",
         [&] { return bench::peak_rss_kib(xsign_verify) / 1024.0; }, "openssl cms -verify",
         [&] { return bench::peak_rss_kib(openssl_cms_verify(f, their_sig, doc), f.openssl_env) / 1024.0; }, "<= 1x");
}

// ---------------------------------------------------------------- server

// `xsign serve` as users run it, measured by ab with keep-alive (8 clients), and the same OCSP
// request answered by `openssl ocsp` with the GOST engine over the same CA and responder key.
void server_rows(const fs::path& dir) {
  std::fprintf(stderr, "server (loopback, ab -k -c 8)\n");
  Domain d = make_domain(dir / "srv", "ru", sign::Suite::gost256);
  auto& ca = *d.issuing;
  ca.create_service("tsa", "", sign::now() - std::chrono::minutes(30));
  ca.create_service("ocsp", "", sign::now() - std::chrono::minutes(30));

  const std::string tsq = write(dir / "req.tsq", [] {
    const auto b = sign::TimeStampRequest::for_digest(sign::DigestAlgorithm::streebog256, sign::Bytes(32, 7)).encode();
    return std::string(b.begin(), b.end());
  }());
  sign::OcspRequest oreq;
  oreq.ids.push_back(sign::OcspCertId::of(d.signer_cert, ca.certificate()));
  const std::string ocsp_req = write(dir / "req.ocsp", [&] {
    const auto b = oreq.encode();
    return std::string(b.begin(), b.end());
  }());

  // Port 0: the server picks a free one and names it in its first line.
  const bench::ServerProcess server({XSIGN_BIN, "serve", "--ca", ca.dir().string(), "--listen", "127.0.0.1:0", "--allow-root-ca",
                                     "--quiet"},
                                    (dir / "serve.log").string(), "xsign: serving");
  const auto at = server.log().find("http://127.0.0.1:");
  if (at == std::string::npos) throw std::runtime_error("xsign serve did not name its port:\n" + server.log());
  const std::string base = "http://127.0.0.1:" + std::to_string(std::atoi(server.log().c_str() + at + 17));
  against_target("server: OCSP over keep-alive, ab -k -c 8 (req/s, median of 5)",
                 bench::median_rate([&] { return bench::ab_rate(base + "/ocsp", ocsp_req, "application/ocsp-request", 8); }),
                 3000, ">= 3,000 req/s");
  against_target("server: GOST time-stamps over keep-alive, ab -k -c 8 (req/s, median of 5)",
                 bench::median_rate([&] { return bench::ab_rate(base + "/tsa", tsq, "application/timestamp-query", 8); }),
                 1500, ">= 1,500 req/s");

  // openssl ocsp: an OpenSSL index naming the one certificate asked about, the OCSP responder
  // certificate and key of the same CA, Streebog for the response signature (its default
  // digest, SHA-1, does not go with a GOST key). It serves one connection at a time and closes
  // each (so ab's -k keeps none), and after ab's first run it answers no more (OpenSSL 3.0.19
  // here; from a shell as well): each round starts a fresh responder, outside the timed run.
  // The row runs a fixed number of requests without keep-alive, the same for both, one
  // process each (-multi would fork more).
  const auto services = ca.dir() / "services";
  const std::string index = write(dir / "index.txt", "V\t491231235959Z\t\t" + d.signer_cert.serial_hex() +
                                                         "\tunknown\t/C=RU/CN=Bench Signer\n");
  const std::string ca_pem = write(dir / "ocsp-ca.pem", ca.certificate().pem());
  const std::string conf = gost_engine_conf(dir);
  const int requests = static_cast<int>(4000 * bench::round_seconds);
  auto openssl_ocsp_rate = [&] {
    const int port = bench::free_port();
    const bench::ServerProcess responder(
        {"openssl", "ocsp", "-port", std::to_string(port), "-index", index, "-CA", ca_pem, "-rsigner",
         (services / "ocsp.pem").string(), "-rkey", (services / "ocsp.key").string(), "-rmd", "md_gost12_256"},
        (dir / "openssl-ocsp.log").string(), "waiting for OCSP client connections", {"OPENSSL_CONF=" + conf});
    return bench::ab_rate("http://127.0.0.1:" + std::to_string(port) + "/", ocsp_req, "application/ocsp-request", 8,
                          false, requests);
  };
  paired("server: OCSP, a connection per request, xsign serve vs openssl ocsp, ab -c 8 (req/s)",
         [&] { return bench::ab_rate(base + "/ocsp", ocsp_req, "application/ocsp-request", 8, false, requests); },
         "openssl ocsp", openssl_ocsp_rate, ">= 1x");
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  std::set<std::string> only;  // sections named on the command line; none = all
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else only.insert(a);
  }
  const std::set<std::string> known{"suites", "hashing", "batch", "rss", "process", "crl", "server"};
  for (const auto& s : only)
    if (!known.count(s)) {
      std::cerr << "usage: xsign_bench [--quick] [suites|hashing|batch|rss|process|crl|server ...]\n";
      return 2;
    }
  auto want = [&](const std::string& section) { return only.empty() || only.count(section); };
  bench::round_seconds = quick ? 0.2 : 0.5;
  const fs::path dir = fs::temp_directory_path() / ("xsign-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  try {
    {
      const bench::OnOneCpu pinned;  // in-process rows: ours and the baseline on the same CPU
      if (want("suites")) {
        suite_rows(dir, sign::Suite::sm2, "cn");
        suite_rows(dir, sign::Suite::gost256, "ru");
        suite_rows(dir, sign::Suite::gost512, "ru");
        suite_rows(dir, sign::Suite::p256, "ru");
      }
      if (want("hashing")) hash_rows(quick ? 32 : 256);
    }
    if (want("batch")) batch_rows(dir, quick ? 1000 : 10000);
    if (want("rss")) rss_rows(dir, quick ? 256 : 4096);
    if (want("process")) process_rows(dir, quick ? 16 : 100);
    if (want("crl")) big_crl_rows(dir, quick ? 10000 : 100000);
    if (want("server")) server_rows(dir);
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n(its files are kept in " << dir.string() << ")\n";
    return 1;
  }
  // XSIGN_BENCH_KEEP=1 keeps the keys, certificates, trust directories and signatures, to
  // profile one of the measured commands by hand (perf, callgrind).
  if (const char* keep = std::getenv("XSIGN_BENCH_KEEP"); keep && std::string(keep) == "1")
    std::cerr << "files kept in " << dir.string() << "\n";
  else
    fs::remove_all(dir);
  // Keys and certificates hold Botan objects: release them before Botan's allocator goes at exit.
  domains.clear();
  bench::print_table();
  return 0;
}
