// BER SignedData as ViPNet, CryptoPro, BouncyCastle and `openssl cms -stream` write it:
// indefinite lengths and a segmented eContent are read in place; signed attributes must stay
// DER; whatever xsign adds to such a file is written in DER and every signature survives.
#include <catch2/catch.hpp>

#include <sign/asn1.hpp>
#include <sign/error.hpp>

#include "hostile_pki.hpp"
#include "support.hpp"

#include <fstream>

using namespace testing;
using testing::q;
using sign::ByteView;

namespace {

Bytes indefinite(std::uint8_t tag, const std::vector<Bytes>& parts) {
  Bytes out{tag, 0x80};
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  out.push_back(0);
  out.push_back(0);
  return out;
}

Bytes ber_signer_info(const Bytes& si) {
  auto f = children_of(si);
  for (auto& field : f)
    if (field[0] == 0xa1) field = indefinite(0xa1, children_of(field));  // unsigned attributes may be BER
  return indefinite(0x30, f);  // the signed attributes ([0]) are kept in DER
}

// A DER SignedData re-encoded the way BER producers write it: indefinite lengths on every
// outer structure and each SignerInfo, the eContent as a constructed OCTET STRING of
// `segment`-byte pieces, the signed attributes untouched.
Bytes to_ber(const Bytes& der, std::size_t segment = 1000) {
  auto ci = children_of(der);
  auto sd = children_of(children_of(ci[1])[0]);
  auto encap = children_of(sd[2]);
  if (encap.size() == 2) {
    const Bytes content = content_of(children_of(encap[1])[0]);
    std::vector<Bytes> segments;
    for (std::size_t at = 0; at < content.size(); at += segment)
      segments.push_back(sign::der_tlv(0x04, ByteView(content).subspan(at, std::min(segment, content.size() - at))));
    // One level of nesting as well, as X.690 allows: the last two segments inside another.
    if (segments.size() > 2) {
      Bytes nested = indefinite(0x24, {segments[segments.size() - 2], segments.back()});
      segments.resize(segments.size() - 2);
      segments.push_back(nested);
    }
    encap[1] = indefinite(0xa0, {indefinite(0x24, segments)});
  }
  sd[2] = indefinite(0x30, encap);
  for (std::size_t i = 3; i + 1 < sd.size(); ++i) sd[i] = indefinite(sd[i][0], children_of(sd[i]));
  std::vector<Bytes> signers;
  for (const auto& si : children_of(sd.back())) signers.push_back(ber_signer_info(si));
  sd.back() = indefinite(0x31, signers);
  return indefinite(0x30, {ci[0], indefinite(0xa0, {indefinite(0x30, sd)})});
}

Bytes sign_attached(const HostilePki& pki, const std::string& doc) {
  Bytes out;
  sign::SignOutputOptions o;
  o.attached = true;
  sign::sign_document(sign::Content::bytes(Bytes(doc.begin(), doc.end())), pki.spec(), o,
                      [&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return out;
}

sign::SignedDataView view(const Bytes& b) { return sign::SignedDataView::parse(sign::memory_source(b)); }

Bytes collect(const std::function<void(const std::function<void(ByteView)>&)>& write) {
  Bytes out;
  write([&](ByteView c) { out.insert(out.end(), c.begin(), c.end()); });
  return out;
}

void save(const std::string& path, const Bytes& b) {
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

Bytes load(const std::string& path) {
  const std::string s = read(path);
  return Bytes(s.begin(), s.end());
}

bool whole_file_is_der(const Bytes& b) {
  const auto src = sign::memory_source(b);
  return sign::is_der_encoded(*src, sign::read_ber_node(*src, 0, src->size()));
}

std::string big_document() {
  std::string doc;
  for (int i = 0; i < 5000; ++i) doc += "line " + std::to_string(i) + " of an invoice\n";
  return doc;
}

}  // namespace

TEST_CASE("BER SignedData, attached and detached, validates in every suite", "[ber][interop]") {
  const Suite suite = GENERATE(Suite::gost256, Suite::gost512, Suite::sm2, Suite::p256);
  INFO(suite_label(suite));
  HostilePki pki(suite);
  const std::string doc = big_document();

  SECTION("detached") {
    const Bytes ber = to_ber(pki.sign(doc));
    CHECK(view(ber).ber_encoded());
    CHECK_FALSE(view(pki.sign(doc)).ber_encoded());
    CHECK(verdict_of(pki.validate(ber, doc).signatures.at(0)) == "TOTAL-PASSED");
    CHECK(verdict_of(pki.validate(ber, doc + "!").signatures.at(0)) == "TOTAL-FAILED/HASH_FAILURE");
  }
  SECTION("attached, the content in segments read in place") {
    const Bytes ber = to_ber(sign_attached(pki, doc), 777);
    const auto sd = view(ber);
    REQUIRE(sd.attached());
    const auto content = sd.attached_content()->source;
    REQUIRE(content->size() == doc.size());
    CHECK(content->read_range(0, doc.size()) == Bytes(doc.begin(), doc.end()));
    // Reads that straddle segment boundaries.
    CHECK(content->read_range(770, 20) == Bytes(doc.begin() + 770, doc.begin() + 790));
    const auto report = sign::validate_signed_data(sd, std::nullopt, pki.trust(), {}, [&] {
      sign::ValidateOptions o;
      o.validation_time = pki.now;
      return o;
    }());
    CHECK(verdict_of(report.signatures.at(0)) == "TOTAL-PASSED");
  }
}

TEST_CASE("BER re-encoding used by these tests is BER OpenSSL accepts", "[ber][interop]") {
  // Independent check of the fixtures: OpenSSL verifies the re-encoded GOST file.
  HostilePki pki(Suite::gost256);
  TempDir dir;
  const std::string doc = big_document();
  save(dir.file("a.p7s"), to_ber(sign_attached(pki, doc)));
  const auto r = openssl_gost("cms -verify -binary -inform DER -in " + q(dir.file("a.p7s")) + " -noverify -out " +
                              q(dir.file("out.bin")));
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(read(dir.file("out.bin")) == doc);
}

TEST_CASE("openssl cms -sign -stream files (indefinite lengths) validate", "[ber][interop]") {
  struct Case {
    const char* name;
    bool gost;
    const char* newkey;
    const char* md;
  };
  const Case c = GENERATE(Case{"gost256", true, "gost2012_256 -pkeyopt paramset:A -md_gost12_256", "md_gost12_256"},
                          Case{"gost512", true, "gost2012_512 -pkeyopt paramset:A -md_gost12_512", "md_gost12_512"},
                          Case{"p256", false, "ec -pkeyopt ec_paramgen_curve:P-256 -sha256", "sha256 -cades"});
  INFO(c.name);
  TempDir dir;
  auto ossl = [&](const std::string& args) { return c.gost ? openssl_gost(args) : openssl_plain(args); };
  const std::string doc = big_document();
  write(dir.file("doc.txt"), doc);
  REQUIRE(ossl(std::string("req -x509 -newkey ") + c.newkey + " -nodes -days 30 -subj /CN=stream -keyout " +
               q(dir.file("k.pem")) + " -out " + q(dir.file("c.pem")) +
               " -addext keyUsage=critical,digitalSignature")
              .exit_code == 0);
  const auto made = ossl("cms -sign -stream -binary -nodetach -outform DER -in " + q(dir.file("doc.txt")) + " -signer " +
                         q(dir.file("c.pem")) + " -inkey " + q(dir.file("k.pem")) + " -md " + c.md + " -out " +
                         q(dir.file("s.p7s")));
  REQUIRE(made.exit_code == 0);
  const Bytes file = load(dir.file("s.p7s"));
  REQUIRE(file.at(1) == 0x80);  // indefinite length, as -stream writes

  sign::TrustStore trust;
  trust.anchors = {sign::Certificate::load(dir.file("c.pem"))};
  sign::ValidationPolicy policy;
  policy.revocation = sign::ValidationPolicy::Revocation::off;
  policy.require_signing_certificate = c.gost ? false : true;  // the engine cannot add ESS attributes (-cades)
  const auto sd = sign::SignedDataView::load(dir.file("s.p7s"));
  CHECK(sd.ber_encoded());
  CHECK(verdict_of(sign::validate_signed_data(sd, std::nullopt, trust, policy, {}).signatures.at(0)) == "TOTAL-PASSED");

  // The CLI too, with a document named beside the attached one: the same passes, another fails.
  write(dir.file("policy.toml"), std::string("revocation = \"off\"\nrequire_signing_certificate = ") +
                                     (c.gost ? "false" : "true") + "\n");
  const std::string common = " --trust " + q(dir.file("c.pem")) + " --policy " + q(dir.file("policy.toml")) + " ";
  CHECK(xsign("verify" + common + q(dir.file("doc.txt")) + " " + q(dir.file("s.p7s"))).exit_code == 0);
  write(dir.file("other.txt"), doc + "x");
  const auto other = xsign("verify" + common + q(dir.file("other.txt")) + " " + q(dir.file("s.p7s")));
  CHECK(other.exit_code == 1);
  CHECK_THAT(other.out, Catch::Contains("not the one attached"));
  CHECK_THAT(xsign("inspect " + q(dir.file("s.p7s"))).out, Catch::Contains("BER"));

  SECTION("co-signed by xsign: DER out, and OpenSSL verifies every signer") {
    HostilePki cosigner(Suite::gost512);
    const Bytes out = collect([&](const auto& sink) { sign::cosign(sd, std::nullopt, cosigner.spec(), sink); });
    CHECK(whole_file_is_der(out));
    save(dir.file("co.p7s"), out);
    const auto r = openssl_gost("cms -verify -binary -inform DER -in " + q(dir.file("co.p7s")) + " -noverify -out " +
                                q(dir.file("out.bin")));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(read(dir.file("out.bin")) == doc);
    CHECK(view(out).signers().size() == 2);
    // The original signer's bytes up to its signature are unchanged.
    CHECK(view(out).signers()[0].signature == sd.signers()[0].signature);
  }
  SECTION("from the command line: cosign and countersign a BER file, OpenSSL verifies the result") {
    HostilePki other(Suite::gost512);
    write(dir.file("o.key"), other.signer_key.to_pem());
    write(dir.file("o.pem"), other.signer.pem() + other.ca.pem());
    const std::string who = " --key " + q(dir.file("o.key")) + " --cert " + q(dir.file("o.pem"));
    REQUIRE(xsign("cosign " + q(dir.file("s.p7s")) + who + " --out " + q(dir.file("cli-co.p7s"))).exit_code == 0);
    REQUIRE(xsign("countersign " + q(dir.file("cli-co.p7s")) + " --signer 1" + who + " --out " + q(dir.file("cli-cs.p7s")))
                .exit_code == 0);
    const Bytes out = load(dir.file("cli-cs.p7s"));
    CHECK(whole_file_is_der(out));
    CHECK_THAT(xsign("inspect " + q(dir.file("cli-cs.p7s"))).out, Catch::Contains("DER") && Catch::Contains("countersignature"));
    const auto r = openssl_gost("cms -verify -binary -inform DER -in " + q(dir.file("cli-cs.p7s")) + " -noverify -out " +
                                q(dir.file("cli-out.bin")));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(read(dir.file("cli-out.bin")) == doc);
  }
  SECTION("countersigned by xsign: DER out, the signer and its countersignature verify") {
    HostilePki counter(Suite::sm2);
    const Bytes out = collect([&](const auto& sink) { sign::countersign(sd, 0, counter.spec(), sink); });
    CHECK(whole_file_is_der(out));
    save(dir.file("cs.p7s"), out);
    CHECK(openssl_gost("cms -verify -binary -inform DER -in " + q(dir.file("cs.p7s")) + " -noverify -out /dev/null")
              .exit_code == 0);
    const auto checks = sign::check_signatures(view(out), std::nullopt);
    REQUIRE(checks.at(0).counter_signatures.size() == 1);
    CHECK(checks[0].ok());
    CHECK(checks[0].counter_signatures[0].ok());
  }
}

TEST_CASE("Hostile BER gets a clear error, never a crash or a wrong verdict", "[ber][attack]") {
  HostilePki pki(Suite::gost256);
  const std::string doc = "contract 17";
  const Bytes good = to_ber(pki.sign(doc));
  REQUIRE_NOTHROW(view(good));

  SECTION("signed attributes in BER are refused: verifiers would hash different bytes") {
    auto ci = children_of(pki.sign(doc));
    auto sd = children_of(children_of(ci[1])[0]);
    auto si = children_of(children_of(sd.back())[0]);
    si[3] = indefinite(0xa0, children_of(si[3]));
    sd.back() = wrap(0x31, {wrap(0x30, si)});
    const Bytes bad = wrap(0x30, {ci[0], wrap(0xa0, {wrap(0x30, sd)})});
    CHECK_THROWS_WITH(view(bad), Catch::Contains("signed attributes are not DER"));
  }
  SECTION("every truncation") {
    for (std::size_t n = 0; n < good.size(); n += 7)
      CHECK_THROWS_AS(view(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n))), sign::FormatError);
  }
  SECTION("end-of-contents missing, misplaced or on a primitive") {
    CHECK_THROWS_WITH(view(sign::from_hex("30800500")), Catch::Contains("end-of-contents"));
    CHECK_THROWS_WITH(view(sign::from_hex("3006000005000000")), Catch::Contains("end-of-contents"));
    CHECK_THROWS_WITH(view(sign::from_hex("0480010203040000")), Catch::Contains("primitive"));
  }
  SECTION("nesting 100,000 deep, indefinite") {
    Bytes b;
    for (int i = 0; i < 100000; ++i) b.insert(b.end(), {0x30, 0x80});
    for (int i = 0; i < 100000; ++i) b.insert(b.end(), {0x00, 0x00});
    CHECK_THROWS_WITH(view(b), Catch::Contains("nested"));
  }
  SECTION("an eContent segment of another type") {
    // Replace the first segment's tag (0x04) by UTF8String (0x0c).
    Bytes bad = to_ber(sign_attached(pki, doc));
    const Bytes marker{0x24, 0x80, 0x04};
    auto at = std::search(bad.begin(), bad.end(), marker.begin(), marker.end());
    REQUIRE(at != bad.end());
    at[2] = 0x0c;
    CHECK_THROWS_WITH(view(bad), Catch::Contains("segment"));
  }
  SECTION("an inner element that claims more than its indefinite container holds") {
    CHECK_THROWS_AS(view(sign::from_hex("3080a08030820100000000")), sign::FormatError);
  }
  SECTION("random byte flips never crash and never pass") {
    std::uint32_t seed = 777;
    const Bytes ber = to_ber(sign_attached(pki, doc), 3);
    for (int i = 0; i < 400; ++i) {
      Bytes b = ber;
      seed = seed * 1103515245 + 12345;
      b[seed % b.size()] ^= static_cast<std::uint8_t>(1 + (seed >> 16) % 255);
      try {
        const auto sd = view(b);
        const auto checks = sign::check_signatures(sd, std::nullopt);
        // A flip that leaves every signature valid can only be in bytes nobody signs
        // (certificates are checked by path validation, not here).
        for (const auto& c : checks)
          if (c.ok()) CHECK(sd.attached_content()->source->read_range(0, doc.size()) == Bytes(doc.begin(), doc.end()));
      } catch (const sign::Error&) {
      }
    }
  }
}

TEST_CASE("ber_to_der: definite minimal lengths and joined strings, DER unchanged", "[ber]") {
  CHECK(sign::ber_to_der(sign::from_hex("308002010104030001020000")) == sign::from_hex("30080201010403000102"));
  CHECK(sign::ber_to_der(sign::from_hex("2480040201020401030000")) == sign::from_hex("0403010203"));
  CHECK(sign::ber_to_der(sign::from_hex("30810402810100")) == sign::from_hex("3003020100"));  // non-minimal lengths
  const Bytes der = sign::from_hex("300c06082a850307010102020500");
  CHECK(sign::ber_to_der(der) == der);
  CHECK_THROWS_AS(sign::ber_to_der(sign::from_hex("3080")), sign::FormatError);
  CHECK_THROWS_AS(sign::ber_to_der(sign::from_hex("300200")), sign::FormatError);
}

TEST_CASE("DER headers: minimal lengths at every boundary, and SET OF sorted by encoding", "[ber]") {
  // The SignedData writer sizes its buffer from der_header_size before writing the headers.
  for (const std::uint64_t length : {0ULL, 1ULL, 0x7fULL, 0x80ULL, 0xffULL, 0x100ULL, 0xffffULL, 0x10000ULL,
                                     0xffffffULL, 0x1000000ULL, 0xffffffffULL, 0x100000000ULL}) {
    Bytes appended{0xaa};
    sign::append_der_header(appended, 0x04, length);
    const Bytes header = sign::der_header(0x04, length);
    CHECK(Bytes(appended.begin() + 1, appended.end()) == header);
    CHECK(sign::der_header_size(length) == header.size());
    if (length < 0x80) CHECK(header == Bytes{0x04, static_cast<std::uint8_t>(length)});
    else {
      CHECK(header[1] == 0x80 + header.size() - 2);
      CHECK(header[2] != 0);  // no leading zero octet in a long-form length
    }
  }
  CHECK(sign::der_header(0x30, 0x80) == sign::from_hex("308180"));
  CHECK(sign::der_header(0x30, 0x100) == sign::from_hex("30820100"));
  // X.690 §11.6: the elements in the order of their encodings; set_in_order keeps the order given.
  const std::vector<Bytes> elements{sign::from_hex("0402ffff"), sign::from_hex("020101"), sign::from_hex("0401aa")};
  CHECK(sign::set_of(elements) == sign::from_hex("310a0201010401aa0402ffff"));
  CHECK(sign::set_in_order(elements, 0xa0) == sign::from_hex("a00a0402ffff0201010401aa"));
  Bytes appended{0xaa};
  sign::append_set_in_order(appended, elements, 0xa0);
  CHECK(appended == sign::from_hex("aaa00a0402ffff0201010401aa"));
  CHECK(sign::set_in_order_size(elements) == 12);
  Bytes sorted{0xaa};
  sign::append_set_of(sorted, elements);
  CHECK(sorted == sign::from_hex("aa310a0201010401aa0402ffff"));
  CHECK(sign::set_of({}) == sign::from_hex("3100"));
}

TEST_CASE("The DER check over bytes in memory agrees with the check through a file", "[ber]") {
  // is_der_encoded takes a fast path for sources in memory; a file source reads element by
  // element. Both must call the same inputs DER.
  testing::TempDir dir;
  auto nested = [](int levels) {
    Bytes b = sign::from_hex("0500");
    for (int i = 0; i < levels; ++i) b = sign::der_tlv(0x30, b);
    return b;
  };
  const std::vector<std::pair<std::string, Bytes>> cases{
      {"DER", sign::from_hex("300c06082a850307010102020500")},
      {"indefinite length", sign::from_hex("308002010104030001020000")},
      {"non-minimal short length", sign::from_hex("30810402810100")},
      {"non-minimal long length", sign::from_hex("3082000402020100")},
      {"long length below 128", sign::from_hex("30810302010a")},
      {"child longer than its parent", sign::from_hex("3003020501")},
      {"multi-byte tag", sign::from_hex("3003bf0100")},
      {"empty constructed", sign::from_hex("3000")},
      {"47 levels", nested(47)},
      {"48 levels", nested(48)},
      {"49 levels", nested(49)},
      {"long form length of 200", sign::der_tlv(0x04, Bytes(200, 0x41))},
  };
  for (const auto& [what, bytes] : cases) {
    INFO(what);
    const auto memory = sign::memory_source(bytes);
    const std::string path = dir.file("case.der");
    testing::write(path, std::string(bytes.begin(), bytes.end()));
    const auto file = sign::open_file_source(path);
    sign::DerNode root;
    try {
      root = sign::read_ber_node(*memory, 0, memory->size());
    } catch (const sign::FormatError&) {
      continue;  // not even BER: nobody asks
    }
    CHECK(sign::is_der_encoded(*memory, root) == sign::is_der_encoded(*file, root));
  }
  // And the answers themselves, so that both paths cannot be wrong together.
  auto in_memory = [](const Bytes& b) {
    const auto src = sign::memory_source(b);
    return sign::is_der_encoded(*src, sign::read_ber_node(*src, 0, src->size()));
  };
  CHECK(in_memory(cases[0].second));
  CHECK_FALSE(in_memory(cases[1].second));
  CHECK_FALSE(in_memory(cases[2].second));
  CHECK(in_memory(nested(48)));
  CHECK_FALSE(in_memory(nested(49)));
  CHECK(in_memory(cases.back().second));
}
