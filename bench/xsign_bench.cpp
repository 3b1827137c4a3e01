// xsign benchmarks: our cost against the raw primitives, each ratio measured in the same run.
// Prints one Markdown table (docs/performance.md shows a run). Not a test: nothing is asserted.
//
//   xsign_bench [--quick]   --quick: shorter runs, 32 MiB of hashing (not 256), 1,000 batch
//                           signatures (not 10,000) and a 256 MiB document (not 4 GiB)
#define OPENSSL_SUPPRESS_DEPRECATED  // ENGINE_get_digest: the GOST baseline is the engine
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
#include <httplib.h>
#include <openssl/engine.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "crypto/gost_engine.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

namespace {

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double seconds_per_run = 1.0;

// Operations per second of fn, run repeatedly for about `seconds_per_run`.
double rate(const std::function<void()>& fn) {
  fn();  // warm-up
  std::size_t n = 0;
  const auto start = Clock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 8; ++i) fn();
    n += 8;
    elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  } while (elapsed < seconds_per_run);
  return static_cast<double>(n) / elapsed;
}

struct Row {
  std::string what, ours_label, base_label;
  double ours, base;
  std::string target;
};
std::vector<Row> rows;

void row(const std::string& what, double ours, const std::string& base_label, double base, const std::string& target) {
  rows.push_back({what, "", base_label, ours, base, target});
  std::fprintf(stderr, "  %-58s %12.1f  vs %-24s %12.1f  = %.2fx\n", what.c_str(), ours, base_label.c_str(), base,
               base > 0 ? ours / base : 0.0);
}

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
    md = suite == sign::Suite::sm2 ? EVP_sm3() : EVP_sha256();
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
  const double r = rate([&] {
    EVP_MD_CTX_reset(ctx);
    init(ctx, verify);
    if (verify) {
      EVP_DigestVerify(ctx, sig, len, kMessage.data(), kMessage.size());
    } else {
      std::size_t l = sizeof sig;
      unsigned char out[160];
      EVP_DigestSign(ctx, out, &l, kMessage.data(), kMessage.size());
    }
  });
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  return r;
}

// ---------------------------------------------------------------- our PKI for the measurements

struct Domain {
  std::unique_ptr<sign::CertificateAuthority> root, issuing;
  sign::PrivateKey signer_key{nullptr};
  sign::Certificate signer_cert{nullptr};
};

Domain make_domain(const fs::path& dir, const std::string& profile, sign::Suite suite) {
  Domain d;
  const auto now = sign::now() - std::chrono::hours(1);
  sign::CertificateAuthority::InitOptions o;
  o.dir = dir / (profile + "-root");
  o.profile_path = std::string(XSIGN_SOURCE_DIR) + "/certs/" + profile + ".toml";
  o.now = now;
  d.root = std::make_unique<sign::CertificateAuthority>(sign::CertificateAuthority::init(o, nullptr));
  o.dir = dir / (profile + "-issuing");
  o.issuing = true;
  d.issuing = std::make_unique<sign::CertificateAuthority>(sign::CertificateAuthority::init(o, d.root.get()));
  d.signer_key = sign::PrivateKey::generate(suite);
  d.signer_cert = d.issuing->issue(
      sign::CertificateRequest::create(d.signer_key, sign::DistinguishedName::parse("/C=" + std::string(profile == "cn" ? "CN" : "RU") + "/CN=Bench Signer")),
      "trader", now);
  return d;
}

std::map<std::string, Domain> domains;

std::string write(const fs::path& path, const std::string& text) {
  sign::write_file_atomic(path, text, sign::FileMode::private_0600);
  return path.string();
}

// Runs a program through rss_probe (a small process, so the figure is the program's own) and
// returns its peak resident set (KiB) and exit status.
std::pair<long, int> run_measured(const std::vector<std::string>& argv) {
  std::string cmd = std::string(RSS_PROBE_BIN);
  for (const auto& a : argv) cmd += " '" + a + "'";
  std::FILE* p = ::popen(cmd.c_str(), "r");
  long rss = -1;
  int rc = -1;
  if (p) {
    if (std::fscanf(p, "%ld %d", &rss, &rc) != 2) rc = -1;
    ::pclose(p);
  }
  return {rss, rc};
}

void suite_rows(const fs::path& dir, sign::Suite suite, const std::string& profile) {
  const std::string name(sign::suite_name(suite));
  std::fprintf(stderr, "%s\n", name.c_str());
  const double botan_sign = botan_sign_rate(suite, false), botan_verify = botan_sign_rate(suite, true);
  const double ossl_sign = openssl_rate(suite, false), ossl_verify = openssl_rate(suite, true);
  if (ossl_sign <= 0 || ossl_verify <= 0) throw std::runtime_error(name + ": the OpenSSL baseline could not be measured");
  const bool ossl_faster_sign = ossl_sign > botan_sign, ossl_faster_verify = ossl_verify > botan_verify;
  const double best_sign = std::max(botan_sign, ossl_sign), best_verify = std::max(botan_verify, ossl_verify);
  const std::string sign_base = std::string(ossl_faster_sign ? "OpenSSL" : "Botan") + " raw sign";
  const std::string verify_base = std::string(ossl_faster_verify ? "OpenSSL" : "Botan") + " raw verify";

  row(name + ": raw sign, Botan vs OpenSSL (ops/s)", botan_sign, "OpenSSL", ossl_sign, "");
  row(name + ": raw verify, Botan vs OpenSSL (ops/s)", botan_verify, "OpenSSL", ossl_verify, "");

  if (profile.empty()) {
    const auto key = sign::PrivateKey::generate(suite);
    row(name + ": our suite sign (ops/s)", rate([&] { (void)key.sign(kMessage); }), sign_base, best_sign, "");
    return;
  }
  Domain d = make_domain(dir, profile, suite);
  const auto content = sign::Content::bytes(kMessage);
  sign::SignerSpec spec{d.signer_key, d.signer_cert, {d.issuing->certificate()}, {}, sign::Commitment::none,
                        sign::now()};
  sign::Bytes p7s;
  auto sign_once = [&] {
    p7s.clear();
    sign::sign_document(content, spec, {}, [&](sign::ByteView c) { p7s.insert(p7s.end(), c.begin(), c.end()); });
  };
  row(name + ": CAdES-B sign, 1 KiB document (ops/s)", rate(sign_once), sign_base, best_sign, ">= 0.9x");

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
  // Cold: a fresh process verifies the CA certificate and CRL signatures too; 4 checks in all.
  const double warm = rate(verify_once);
  row(name + ": full verify, warm caches (ops/s)", warm, verify_base, best_verify, ">= 0.8x");

  if (suite == sign::Suite::gost256 && !std::string(GOST_ENGINE_PATH).empty()) {
    // OpenSSL's CMS with the GOST engine, in its own process, on the same key and chain.
    const auto key = write(dir / "gost.key", d.signer_key.to_pem());
    const auto cert = write(dir / "gost.pem", d.signer_cert.pem());
    const auto chain = write(dir / "gost-ca.pem", d.issuing->certificate().pem());
    const auto root = write(dir / "gost-root.pem", d.root->certificate().pem());
    const auto conf = write(dir / "gost.cnf", std::string("openssl_conf = d\n[d]\nengines = e\n[e]\ngost = g\n[g]\nengine_id = gost\n"
                                                          "dynamic_path = ") + GOST_ENGINE_PATH + "\ndefault_algorithms = ALL\n");
    const std::string out = (dir / "gost-cms.txt").string();
    const std::string cmd = "OPENSSL_CONF=" + conf + " " + OPENSSL_GOST_CMS_BIN + " " + key + " " + cert + " " + chain + " " +
                            root + " " + std::to_string(seconds_per_run) + " > " + out;
    if (std::system(cmd.c_str()) == 0) {
      double cms_sign = 0, cms_verify = 0;
      if (std::FILE* f = std::fopen(out.c_str(), "r")) {
        if (std::fscanf(f, "%lf %lf", &cms_sign, &cms_verify) != 2) cms_sign = cms_verify = 0;
        std::fclose(f);
      }
      row("gost256: CAdES-B sign vs OpenSSL CMS + GOST engine (ops/s)", rate(sign_once), "openssl CMS_sign", cms_sign, "> 1x");
      row("gost256: full verify vs OpenSSL CMS_verify + chain (ops/s)", warm, "openssl CMS_verify", cms_verify, "> 1x");
    }
  }
  domains.emplace(name, std::move(d));
}

// Verifying many signatures: validate_batch on 1 and on 2 threads.
void batch_rows(const fs::path& dir, std::size_t count) {
  std::fprintf(stderr, "batch of %zu signatures\n", count);
  auto& d = domains.at("sm2");
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
  const double one = timed(1), two = timed(2);
  row("batch verify " + std::to_string(count) + " sm2 signatures, 2 threads vs 1 (sig/s)", two, "1 thread", one, ">= 1.8x");

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
  const double raw_one = raw(1), raw_two = raw(2);
  row("raw Botan SM2 verify, 2 threads vs 1 (machine ceiling, ops/s)", raw_two, "1 thread", raw_one, "");

  // The whole command on the same files: reports stream out, so memory does not grow with them.
  const std::string anchors = write(bdir / "anchors.pem", d.root->certificate().pem());
  const std::string root_crl = write(bdir / "root.crl", trust.crls[0].crl.pem());
  const std::string issuing_crl = write(bdir / "issuing.crl", trust.crls[1].crl.pem());
  std::vector<std::string> argv{XSIGN_BIN, "verify-batch", "--trust", anchors, "--crl", root_crl, "--crl", issuing_crl, "--json"};
  for (const auto& item : items) argv.push_back(item.signature_file);
  const auto [rss, rc] = run_measured(argv);
  if (rc != 0 || rss < 0) throw std::runtime_error("verify-batch could not be measured (exit " + std::to_string(rc) + ")");
  row("peak RSS: xsign verify-batch, " + std::to_string(count) + " files (MiB)", static_cast<double>(rss) / 1024, "target",
      32.0, "<= 32 MiB");
}

// Peak resident memory of `xsign sign` and `xsign verify` on a large generated document.
void rss_rows(const fs::path& dir, std::size_t mib) {
  std::fprintf(stderr, "peak RSS on a %zu MiB document\n", mib);
  auto& d = domains.at("sm2");
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
    const auto [sign_rss, sign_rc] = run_measured(sign_cmd);
    std::vector<std::string> verify_cmd{XSIGN_BIN, "verify", sig, "--trust", (dir / "trust").string()};
    if (!attach) verify_cmd = {XSIGN_BIN, "verify", big.string(), sig, "--trust", (dir / "trust").string()};
    const auto [verify_rss, verify_rc] = run_measured(verify_cmd);
    if (sign_rc != 0 || verify_rc != 0) throw std::runtime_error("large-document sign/verify failed");
    const std::string kind = attach ? "attached" : "detached";
    row("peak RSS: xsign sign, " + std::to_string(mib) + " MiB " + kind + " (MiB)", sign_rss / 1024.0, "target", 32, "<= 32 MiB");
    row("peak RSS: xsign verify, " + std::to_string(mib) + " MiB " + kind + " (MiB)", verify_rss / 1024.0, "target", 32, "<= 32 MiB");
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
    const double ours = hash_rate_ours(h.alg, buffer, total);
    const double botan = hash_rate_botan(h.botan, buffer, total);
    const double ossl = hash_rate_openssl(h.openssl, buffer, total, h.openssl == streebog256 || h.openssl == streebog512 ? engine : nullptr);
    const bool ossl_best = ossl > botan;
    row(std::string(sign::digest_name(h.alg)) + ": document hashing (MiB/s)", ours,
        std::string(ossl_best ? "OpenSSL" : "Botan") + " raw hash", std::max(botan, ossl), ">= 0.95x");
  }
}

// ---------------------------------------------------------------- server

void server_rows(const fs::path& dir) {
  std::fprintf(stderr, "server (loopback)\n");
  Domain d = make_domain(dir / "srv", "ru", sign::Suite::gost256);
  auto& ca = *d.issuing;
  ca.create_service("tsa", "", sign::now() - std::chrono::minutes(30));
  ca.create_service("ocsp", "", sign::now() - std::chrono::minutes(30));
  sign::ServerConfig config;
  config.ca_dirs = {ca.dir().string()};
  config.allow_root_ca = true;  // one self-signed CA stands for an issuing CA here
  sign::Server server(config);
  const int port = server.bind("127.0.0.1", 0);
  std::thread runner([&] { server.run(); });
  const auto tsq = sign::TimeStampRequest::for_digest(sign::DigestAlgorithm::streebog256,
                                                      sign::Bytes(32, 7)).encode();
  sign::OcspRequest oreq;
  oreq.ids.push_back(sign::OcspCertId::of(d.signer_cert, ca.certificate()));
  const auto ocsp = oreq.encode();
  auto load = [&](const std::string& path, const sign::Bytes& body, const std::string& type, int threads) {
    std::atomic<std::size_t> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    const auto start = Clock::now();
    for (int t = 0; t < threads; ++t)
      clients.emplace_back([&] {
        httplib::Client c("127.0.0.1", port);
        while (!stop) {
          auto res = c.Post(path, std::string(body.begin(), body.end()), type);
          if (res && res->status == 200) ++done;
        }
      });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds_per_run * 2));
    stop = true;
    for (auto& c : clients) c.join();
    return static_cast<double>(done) / std::chrono::duration<double>(Clock::now() - start).count();
  };
  const double tsa1 = load("/tsa", tsq, "application/timestamp-query", 1);
  const double tsa8 = load("/tsa", tsq, "application/timestamp-query", 8);
  row("server: TSA, 8 clients vs 1 client (req/s)", tsa8, "1 client", tsa1, "");
  const double ocsp1 = load("/ocsp", ocsp, "application/ocsp-request", 1);
  const double ocsp8 = load("/ocsp", ocsp, "application/ocsp-request", 8);
  row("server: OCSP, 8 clients vs 1 client (req/s)", ocsp8, "1 client", ocsp1, "");
  server.stop();
  runner.join();
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::string(argv[1]) == "--quick";
  if (quick) seconds_per_run = 0.3;
  const fs::path dir = fs::temp_directory_path() / ("xsign-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  try {
    suite_rows(dir, sign::Suite::sm2, "cn");
    suite_rows(dir, sign::Suite::gost256, "ru");
    suite_rows(dir, sign::Suite::gost512, "");
    suite_rows(dir, sign::Suite::p256, "");
    hash_rows(quick ? 32 : 256);
    batch_rows(dir, quick ? 1000 : 10000);
    rss_rows(dir, quick ? 256 : 4096);
    server_rows(dir);
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n";
    fs::remove_all(dir);
    return 1;
  }
  fs::remove_all(dir);
  // Keys and certificates hold Botan objects: release them before Botan's allocator goes at exit.
  domains.clear();
  std::cout << "| measurement | ours | baseline | baseline value | ratio | target |\n|---|---:|---|---:|---:|---|\n";
  for (const auto& r : rows) {
    char line[512];
    std::snprintf(line, sizeof line, "| %s | %.1f | %s | %.1f | %.2f | %s |\n", r.what.c_str(), r.ours, r.base_label.c_str(),
                  r.base, r.base > 0 ? r.ours / r.base : 0.0, r.target.c_str());
    std::cout << line;
  }
  std::cout.flush();
  return 0;
}
