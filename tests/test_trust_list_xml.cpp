// Trust lists in ETSI TS 119 612 XML: the structure the standard defines (checked with xmllint
// against tests/schemas/ts119612-structure.xsd), the enveloped XAdES signature checked by
// independent verifiers (Apache Santuario with BouncyCastle for SM2 and GOST, xmlsec1 for
// P-256), a channel operator's list of lists fetched and cached, and lists an attacker shaped.
#include <catch2/catch.hpp>

#include <sign/error.hpp>
#include <sign/io.hpp>
#include <sign/trust.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>

using testing::q;
using testing::xsign;

namespace {

namespace fs = std::filesystem;

const std::string kSchema = XSIGN_SOURCE_DIR "/tests/schemas/ts119612-structure.xsd";
const std::string kJavaClasspath =
    "/usr/share/java/xmlsec.jar:/usr/share/java/bcprov.jar:/usr/share/java/bcutil.jar:/usr/share/java/commons-codec.jar:"
    "/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-nop.jar";

testing::CommandResult schema_check(const std::string& file) {
  return testing::run("xmllint --noout --nonet --schema " + q(kSchema) + " " + q(file));
}

std::string xpath(const std::string& file, const std::string& expr) {
  const auto r = testing::run("xmllint --nonet --xpath " + q(expr) + " " + q(file));
  INFO(expr << "\n" << r.err);
  REQUIRE(r.exit_code == 0);
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
}

// Serves files from a map, counting requests; what it serves can change during a test.
struct ListServer {
  httplib::Server server;
  std::thread thread;
  int port = 0;
  std::mutex mutex;
  std::map<std::string, std::string> files;
  std::map<std::string, int> hits;

  ListServer() {
    server.Get(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex);
      ++hits[req.path];
      const auto it = files.find(req.path);
      if (it == files.end()) {
        res.status = 404;
        return;
      }
      res.set_content(it->second, "application/vnd.etsi.tsl+xml");
    });
    port = server.bind_to_any_port("127.0.0.1");
    thread = std::thread([this] { server.listen_after_bind(); });
  }
  ~ListServer() {
    server.stop();
    thread.join();
  }
  void put(const std::string& path, const std::string& body) {
    std::lock_guard lock(mutex);
    files[path] = body;
  }
  int count(const std::string& path) {
    std::lock_guard lock(mutex);
    return hits[path];
  }
  std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port) + path; }
};

struct Lists : testing::TwoDomains {
  std::string doc = f("invoice.xml");

  Lists() {
    testing::write(doc, "<Invoice><ID>SH-MOW-12</ID></Invoice>\n");
    run_ok("sign " + q(doc) + " --key " + q(f("ru-trader.key")) + " --cert " + q(f("ru-trader.pem")) + " --chain " +
           q(f("ru-issuing.pem")) + " --out " + q(f("invoice.ru.p7s")));
  }

  // An unsigned list of `territory` naming the CA certificates in `services`.
  void create(const std::string& out, const std::string& op, const std::string& territory, const std::string& extra) {
    run_ok("trustlist create --operator " + q(op) + " --territory " + territory + " --contact mailto:tl@example." +
           territory + " --city " + q(territory == "CN" ? "Shanghai" : "Moscow") + " " + extra + " --out " + q(f(out)));
  }
  void sign(const std::string& in, const std::string& out, const std::string& who, const std::string& extra = "") {
    run_ok("trustlist sign " + q(f(in)) + " --key " + q(f(who + "/ca.key")) + " --cert " + q(f(who + ".pem")) + " " +
           extra + " --out " + q(f(out)));
  }

  // The Chinese verifier: its own root, the Russian CRLs, and the lists given.
  std::string trust_cn(const std::string& name, const std::vector<std::string>& lists) {
    for (const char* d : {"anchors", "lists", "crls"}) fs::create_directories(f(name + "/" + d));
    fs::copy_file(f("cn-root.pem"), f(name + "/anchors/root.pem"), fs::copy_options::overwrite_existing);
    for (const char* crl : {"ru-root.crl", "ru-issuing.crl"})
      fs::copy_file(f(crl), f(name + "/crls/" + crl), fs::copy_options::overwrite_existing);
    for (const auto& l : lists) fs::copy_file(f(l), f(name + "/lists/" + l), fs::copy_options::overwrite_existing);
    testing::write(f(name + "/policy.toml"), "fetch_private_addresses = true\n");
    return f(name);
  }

  testing::CommandResult verify(const std::string& trust, const std::string& extra = "") {
    return xsign("verify " + q(doc) + " " + q(f("invoice.ru.p7s")) + " --trust " + q(trust) + " --json " + extra);
  }
};

}  // namespace

TEST_CASE("An XML trust list has the TS 119 612 structure and its signature verifies in xsign and Apache Santuario",
          "[trustlist][interop]") {
  Lists d;
  const auto withdrawn = sign::format_time(sign::now() + std::chrono::hours(24 * 400));
  d.create("cn.unsigned.xml", "Shanghai Trusted Trade CA", "CN",
           "--service " + q(d.f("ru-root.pem")) + " --ocsp " + q(d.f("ru-issuing.pem")) + " --withdrawn " +
               q(d.f("ru-root.pem")) + "@" + withdrawn + " --distribution-point https://tl.example.cn/cn.xml");
  d.sign("cn.unsigned.xml", "cn.xml", "cn-root");
  for (const char* file : {"cn.unsigned.xml", "cn.xml"}) {
    const auto r = schema_check(d.f(file));
    INFO(file << "\n" << r.err);
    CHECK(r.exit_code == 0);
  }
  const std::string list = d.f("cn.xml");
  // The URIs of the standard: list type, service types, statuses; history newest first.
  CHECK(xpath(list, "string(//*[local-name()='SchemeInformation']/*[local-name()='TSLType'])") ==
        "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/CNlist");
  CHECK_THAT(xpath(list, "//*[local-name()='ServiceTypeIdentifier']"),
             Catch::Contains("http://uri.etsi.org/TrstSvc/Svctype/CA/QC") &&
                 Catch::Contains("http://uri.etsi.org/TrstSvc/Svctype/Certstatus/OCSP/QC"));
  // Withdrawal scheduled: current status withdrawn from then on, granted before (history).
  CHECK(xpath(list, "string(//*[local-name()='TSPService'][1]/*[local-name()='ServiceInformation']/"
                    "*[local-name()='ServiceStatus'])") ==
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/withdrawn");
  CHECK(xpath(list, "string(//*[local-name()='ServiceHistoryInstance']/*[local-name()='ServiceStatus'])") ==
        "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted");
  // The signature is the root's last child and covers the whole list (enveloped, URI "").
  CHECK(xpath(list, "local-name(/*/*[last()])") == "Signature");
  CHECK(xpath(list, "count(/*/*[local-name()='Signature']//*[local-name()='Reference'][@URI=''])") == "1");
  CHECK_THAT(xpath(list, "//*[local-name()='Reference'][@URI='']//*[local-name()='Transform']/@Algorithm"),
             Catch::Contains("http://www.w3.org/2000/09/xmldsig#enveloped-signature"));

  SECTION("the structure check bites: elements out of order or missing fail it") {
    std::string text = testing::read(d.f("cn.unsigned.xml"));
    std::string moved = text;
    replace_once(moved, "<tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>", "");
    replace_once(moved, "</tsl:TSLSequenceNumber>", "</tsl:TSLSequenceNumber><tsl:TSLVersionIdentifier>5</tsl:TSLVersionIdentifier>");
    testing::write(d.f("moved.xml"), moved);
    CHECK(schema_check(d.f("moved.xml")).exit_code != 0);
    std::string no_next = text;
    const auto a = no_next.find("<tsl:NextUpdate>"), b = no_next.find("</tsl:NextUpdate>");
    REQUIRE(a != std::string::npos);
    no_next.erase(a, b + 17 - a);
    testing::write(d.f("no-next.xml"), no_next);
    CHECK(schema_check(d.f("no-next.xml")).exit_code != 0);
  }

  SECTION("xsign and Santuario verify it; a changed byte fails both") {
    const auto ok = xsign("trustlist verify " + q(list) + " --trust " + q(d.f("cn-root.pem")));
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::Contains("trust list #1 of Shanghai Trusted Trade CA (CN)"));
    const auto show = xsign("trustlist show " + q(list));
    CHECK_THAT(show.out, Catch::Contains("CA/QC") && Catch::Contains("Certstatus/OCSP/QC") &&
                             Catch::Contains("granted since") && Catch::Contains("withdrawn since " + withdrawn));
    // GOST (s||r, Streebog) as well as SM2: Santuario with BouncyCastle checks both.
    d.create("ru-list.unsigned.xml", "Moscow Trusted Trade Root CA", "RU", "--service " + q(d.f("cn-root.pem")));
    d.sign("ru-list.unsigned.xml", "ru.xml", "ru-root");
    const auto java = testing::run("java -cp " + kJavaClasspath + " " XSIGN_SOURCE_DIR "/tests/interop/SantuarioVerify.java " +
                                   q(list) + " " + q(d.f("ru.xml")));
    INFO(java.out << java.err);
    CHECK(java.exit_code == 0);

    std::string text = testing::read(list);
    replace_once(text, "Shanghai Trusted Trade CA", "Shanghai Trusted Trade CB");
    testing::write(d.f("changed.xml"), text);
    const auto bad = xsign("trustlist verify " + q(d.f("changed.xml")) + " --trust " + q(d.f("cn-root.pem")));
    CHECK(bad.exit_code == 1);
    CHECK_THAT(bad.out, Catch::Contains("REJECTED") && Catch::Contains("altered"));
    CHECK(testing::run("java -cp " + kJavaClasspath + " " XSIGN_SOURCE_DIR "/tests/interop/SantuarioVerify.java " +
                       q(d.f("changed.xml")))
              .exit_code != 0);
  }
}

TEST_CASE("A P-256 trust list verifies in xmlsec1 (OpenSSL) and in xsign", "[trustlist][interop]") {
  testing::TempDir dir;
  auto f = [&](const std::string& n) { return dir.file(n); };
  REQUIRE(testing::openssl_plain("req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout " + q(f("tla.key")) +
                                 " -out " + q(f("tla.pem")) + " -subj '/C=DE/O=Trust Authority/CN=TL Signer' -days 30 " +
                                 "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign,digitalSignature")
              .exit_code == 0);
  REQUIRE(xsign("trustlist create --operator 'Trust Authority' --territory DE --contact https://tl.example.de/ --service " +
                q(f("tla.pem")) + " --out " + q(f("de.unsigned.xml")))
              .exit_code == 0);
  const auto s = xsign("trustlist sign " + q(f("de.unsigned.xml")) + " --key " + q(f("tla.key")) + " --cert " +
                       q(f("tla.pem")) + " --out " + q(f("de.xml")));
  INFO(s.err);
  REQUIRE(s.exit_code == 0);
  CHECK(schema_check(f("de.xml")).exit_code == 0);
  const auto xmlsec = testing::run("xmlsec1 --verify --trusted-pem " + q(f("tla.pem")) +
                                   " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' " + q(f("de.xml")));
  INFO(xmlsec.out << xmlsec.err);
  CHECK(xmlsec.exit_code == 0);
  CHECK(xsign("trustlist verify " + q(f("de.xml")) + " --trust " + q(f("tla.pem"))).exit_code == 0);
  std::string text = testing::read(f("de.xml"));
  replace_once(text, "Trust Authority", "Trust Authoritz");
  testing::write(f("changed.xml"), text);
  CHECK(testing::run("xmlsec1 --verify --trusted-pem " + q(f("tla.pem")) +
                     " --id-attr:Id 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties' " + q(f("changed.xml")))
            .exit_code != 0);
  CHECK(xsign("trustlist verify " + q(f("changed.xml")) + " --trust " + q(f("tla.pem"))).exit_code == 1);
  // A list already signed is not signed again (a TS 119 612 list has one signature).
  const auto twice = xsign("trustlist sign " + q(f("de.xml")) + " --key " + q(f("tla.key")) + " --cert " + q(f("tla.pem")) +
                           " --out " + q(f("twice.xml")));
  CHECK(twice.exit_code != 0);
  CHECK_THAT(twice.err, Catch::Contains("signed already"));
  CHECK_FALSE(fs::exists(f("twice.xml")));
}

TEST_CASE("A channel operator's list of lists leads a verifier to the Russian list, fetched once and cached",
          "[trustlist][channel]") {
  Lists d;
  ListServer web;
  d.create("ru-list.unsigned.xml", "Moscow Trusted Trade Root CA", "RU", "--service " + q(d.f("ru-root.pem")));
  d.sign("ru-list.unsigned.xml", "ru.xml", "ru-root");
  web.put("/tl/ru.xml", testing::read(d.f("ru.xml")));
  // The operator's list of lists, signed by the Chinese root the verifier trusts.
  d.create("lotl.unsigned.xml", "Channel Operator", "CN",
           "--list-of-lists --points-to " + q(d.f("ru.xml") + "=" + web.url("/tl/ru.xml")));
  CHECK(schema_check(d.f("lotl.unsigned.xml")).exit_code == 0);
  CHECK(xpath(d.f("lotl.unsigned.xml"), "string(//*[local-name()='TSLLocation'])") == web.url("/tl/ru.xml"));
  d.sign("lotl.unsigned.xml", "lotl.xml", "cn-root");
  CHECK(schema_check(d.f("lotl.xml")).exit_code == 0);
  const auto trust = d.trust_cn("trust-cn", {"lotl.xml"});

  const auto first = d.verify(trust);
  INFO(first.out << first.err);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.out, Catch::Contains("\"vouched_by\": \"trust list #1 of Moscow Trusted Trade Root CA (RU)"));
  CHECK(web.count("/tl/ru.xml") == 1);
  // Cached until its next update: neither a second run nor an offline one fetches it again.
  CHECK(d.verify(trust).exit_code == 0);
  CHECK(d.verify(trust, "--offline").exit_code == 0);
  CHECK(web.count("/tl/ru.xml") == 1);
  const auto lotl = xsign("trustlist verify " + q(d.f("lotl.xml")) + " --trust " + q(trust) + " --json");
  INFO(lotl.out);
  CHECK(lotl.exit_code == 0);
  CHECK_THAT(lotl.out, Catch::Contains("\"list_of_lists\": true") && Catch::Contains("list of lists #1 of Channel Operator") &&
                           Catch::Contains("trust list #1 of Moscow Trusted Trade Root CA") &&
                           Catch::Contains("\"warnings\": []"));
  CHECK_THAT(xsign("trustlist show " + q(d.f("lotl.xml"))).out, Catch::Contains("-> list of RU (Moscow Trusted Trade Root CA) at " +
                                                                             web.url("/tl/ru.xml")));

  const std::string fresh_cache = " --cache-dir " + q(d.f("cache2"));
  SECTION("a Russian list signed by another key than the pointer names is refused") {
    d.sign("ru-list.unsigned.xml", "ru-other.xml", "ru-issuing");
    web.put("/tl/ru.xml", testing::read(d.f("ru-other.xml")));
    const auto r = d.verify(trust, fresh_cache);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("NO_CERTIFICATE_CHAIN_FOUND") && Catch::Contains("not one of the 1 certificate(s)"));
  }
  SECTION("a list of another territory, signed with the right key, is refused") {
    d.create("kz.unsigned.xml", "Somebody", "KZ", "--service " + q(d.f("ru-root.pem")));
    d.sign("kz.unsigned.xml", "kz.xml", "ru-root");
    web.put("/tl/ru.xml", testing::read(d.f("kz.xml")));
    const auto r = d.verify(trust, fresh_cache);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("is the list of KZ, not of RU"));
  }
  SECTION("an unreachable list leaves the verifier without the Russian root, and says why") {
    web.put("/tl/ru.xml", "");
    {
      std::lock_guard lock(web.mutex);
      web.files.erase("/tl/ru.xml");
    }
    const auto r = d.verify(trust, fresh_cache);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("is not available"));
    const auto v = xsign("trustlist verify " + q(d.f("lotl.xml")) + " --trust " + q(trust) + fresh_cache);
    CHECK(v.exit_code == 2);
    CHECK_THAT(v.out, Catch::Contains("trust list OK") && Catch::Contains("warning:"));
  }
  SECTION("an offline verifier keeps the country's list beside the list of lists") {
    const auto offline = d.trust_cn("trust-offline", {"lotl.xml", "ru.xml"});
    const auto r = d.verify(offline, "--offline" + fresh_cache);
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK(web.count("/tl/ru.xml") == 1);
  }
  SECTION("a list of lists whose pointer was changed is refused, and with it the Russian list") {
    std::string text = testing::read(d.f("lotl.xml"));
    replace_once(text, web.url("/tl/ru.xml"), web.url("/tl/evil.xml"));
    testing::write(d.f("trust-cn/lists/lotl.xml"), text);
    const auto r = d.verify(trust, fresh_cache);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.out, Catch::Contains("altered"));
    CHECK(web.count("/tl/evil.xml") == 0);
  }
  SECTION("a new signer of the Russian list: the cached copy is refused and the list fetched afresh") {
    d.create("ru2.unsigned.xml", "Moscow Trusted Trade Root CA", "RU", "--service " + q(d.f("ru-root.pem")) + " --sequence 2");
    d.sign("ru2.unsigned.xml", "ru2.xml", "ru-issuing");
    web.put("/tl/ru.xml", testing::read(d.f("ru2.xml")));
    d.create("lotl2.unsigned.xml", "Channel Operator", "CN",
             "--sequence 2 --list-of-lists --points-to " + q(d.f("ru2.xml") + "=" + web.url("/tl/ru.xml")));
    d.sign("lotl2.unsigned.xml", "trust-cn/lists/lotl.xml", "cn-root", "--force");
    const auto r = d.verify(trust);
    INFO(r.out);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("\"vouched_by\": \"trust list #2 of Moscow Trusted Trade Root CA"));
    CHECK(web.count("/tl/ru.xml") == 2);
  }
  SECTION("the Russian list expired: refused even from the cache") {
    const auto r = d.verify(trust, "--at " + sign::format_time(sign::now() + std::chrono::hours(24 * 45)));
    CHECK(r.exit_code == 2);
  }
}

TEST_CASE("A list checked before is judged again at every use: the time, whose trust store, a changed byte",
          "[trustlist]") {
  // A verifier remembers a list's checked signature and content by its bytes (per thread); the
  // verdict must still follow the validation time, the trust store and the bytes themselves.
  Lists d;
  d.create("cn.unsigned.xml", "Shanghai Trusted Trade CA", "CN", "--service " + q(d.f("ru-root.pem")));
  d.sign("cn.unsigned.xml", "cn.xml", "cn-root");
  const std::string text = testing::read(d.f("cn.xml"));
  const sign::Bytes list(text.begin(), text.end());
  const auto cn_anchors = sign::Certificate::load_all(d.f("cn-root.pem"));
  const auto ru_anchors = sign::Certificate::load_all(d.f("ru-root.pem"));
  const sign::ValidationPolicy policy;
  const auto now = sign::now();

  const auto first = sign::verify_trust_list(list, cn_anchors, {}, now, policy);
  INFO(first.message);
  REQUIRE(first.ok);
  const auto again = sign::verify_trust_list(list, cn_anchors, {}, now, policy);
  CHECK(again.ok);
  CHECK(again.message == first.message);

  const auto after_next_update =
      sign::verify_trust_list(list, cn_anchors, {}, first.list->next_update + std::chrono::hours(48), policy);
  CHECK_FALSE(after_next_update.ok);
  CHECK_THAT(after_next_update.message, Catch::Contains("expired"));
  const auto before_issue = sign::verify_trust_list(list, cn_anchors, {}, first.list->issued - std::chrono::hours(48), policy);
  CHECK_FALSE(before_issue.ok);

  const auto other_store = sign::verify_trust_list(list, ru_anchors, {}, now, policy);
  CHECK_FALSE(other_store.ok);
  CHECK_THAT(other_store.message, Catch::Contains("not by an authority of your own trust store"));

  std::string changed = text;
  replace_once(changed, "Shanghai Trusted Trade CA", "Shanghai Trusted Trade CB");
  const auto altered = sign::verify_trust_list(sign::Bytes(changed.begin(), changed.end()), cn_anchors, {}, now, policy);
  CHECK_FALSE(altered.ok);
  CHECK_THAT(altered.message, Catch::Contains("altered"));
  CHECK(sign::verify_trust_list(list, cn_anchors, {}, now, policy).ok);

  // Another thread has its own memory of lists, and the same answers.
  std::optional<sign::TrustListCheck> in_thread;
  std::thread([&] { in_thread = sign::verify_trust_list(list, cn_anchors, {}, now, policy); }).join();
  REQUIRE(in_thread);
  CHECK(in_thread->ok);
  CHECK(in_thread->message == first.message);
}

TEST_CASE("Hostile TS 119 612 files get a clear error, never a crash", "[trustlist][safety]") {
  Lists d;
  d.create("cn.unsigned.xml", "Shanghai Trusted Trade CA", "CN", "--service " + q(d.f("ru-root.pem")));
  const std::string good = testing::read(d.f("cn.unsigned.xml"));
  auto parse = [&](const std::string& text) {
    return sign::TrustList::from_xml(sign::Bytes(text.begin(), text.end()), "list.xml");
  };
  const auto l = parse(good);
  CHECK(l.territory == "CN");
  REQUIRE(l.services.size() == 1);
  CHECK(l.services[0].type == "CA/QC");
  CHECK(l.services[0].is_ca());
  CHECK(l.services[0].certificate == d.cert("ru-root.pem"));

  auto mutated = [&](const std::string& from, const std::string& to) {
    std::string s = good;
    replace_once(s, from, to);
    return s;
  };
  CHECK_THROWS_WITH(parse("<a/>"), Catch::Contains("not tsl:TrustServiceStatusList"));
  CHECK_THROWS_WITH(parse(mutated("<tsl:TSLSequenceNumber>1<", "<tsl:TSLSequenceNumber>-1<")),
                    Catch::Contains("not a positive integer"));
  CHECK_THROWS_WITH(parse(mutated("<tsl:TSLSequenceNumber>1<", "<tsl:TSLSequenceNumber>99999999999999999999999<")),
                    Catch::Contains("not a positive integer"));
  CHECK_THROWS_WITH(parse(mutated("<tsl:ListIssueDateTime>", "<tsl:ListIssueDateTime>x")),
                    Catch::Contains("not an xsd:dateTime"));
  CHECK_THROWS_WITH(parse(mutated("<tsl:X509Certificate>", "<tsl:X509Certificate>AAAA")), Catch::Contains("certificate"));
  CHECK_THROWS_AS(parse(mutated("</tsl:SchemeInformation>", "</tsl:SchemeInformation><tsl:SchemeInformation/>")),
                  sign::FormatError);
  CHECK_THROWS_WITH(parse(good.substr(0, good.size() / 2)), Catch::Contains("list.xml"));
  CHECK_THROWS_WITH(parse(mutated("<tsl:TSLVersionIdentifier>5<", "<tsl:TSLVersionIdentifier>3<")),
                    Catch::Contains("version 5 or 6"));

  // A second signature (a copy of the first) makes the list unusable.
  d.sign("cn.unsigned.xml", "cn.xml", "cn-root");
  std::string signed_text = testing::read(d.f("cn.xml"));
  const auto a = signed_text.find("<ds:Signature"), b = signed_text.find("</ds:Signature>");
  REQUIRE(a != std::string::npos);
  const std::string sig = signed_text.substr(a, b + 15 - a);
  std::string twice = signed_text;
  replace_once(twice, "</tsl:TrustServiceStatusList>", sig + "</tsl:TrustServiceStatusList>");
  const auto check = sign::verify_trust_list(sign::Bytes(twice.begin(), twice.end()), {d.cert("cn-root.pem")}, {},
                                             sign::now());
  CHECK_FALSE(check.ok);
  // A signature moved into the content (where a ds:Signature excluded from the digest could hide
  // anything) is refused.
  std::string inside = signed_text;
  inside.erase(a, b + 15 - a);
  replace_once(inside, "</tsl:SchemeInformation>", sig + "</tsl:SchemeInformation>");
  const auto moved = sign::verify_trust_list(sign::Bytes(inside.begin(), inside.end()), {d.cert("cn-root.pem")}, {},
                                             sign::now());
  CHECK_FALSE(moved.ok);
  // The JSON list of xsign 0.1 is still read, signed as CMS.
  d.run_ok("trustlist create --format json --operator 'Shanghai Trusted Trade CA' --territory CN --service " +
           q(d.f("ru-root.pem")) + " --out " + q(d.f("old.json")));
  d.run_ok("trustlist sign " + q(d.f("old.json")) + " --key " + q(d.f("cn-root/ca.key")) + " --cert " + q(d.f("cn-root.pem")) +
           " --out " + q(d.f("old.p7s")));
  const auto old = d.trust_cn("trust-old", {"old.p7s"});
  CHECK(d.verify(old).exit_code == 0);
}

TEST_CASE("A foreign time-stamping authority a list grants (TSA/QTST) vouches for time-stamps, and only while granted",
          "[trustlist][channel]") {
  testing::Services s;
  const std::string doc = s.f("contract.xml");
  testing::write(doc, "<Contract>CN-RU 2026/17</Contract>\n");
  // A Chinese signature, time-stamped by the Russian issuing CA's TSA.
  s.run_ok("sign " + q(doc) + " --key " + q(s.f("cn-trader.key")) + " --cert " + q(s.f("cn-trader.pem")) + " --chain " +
           q(s.f("cn-issuing.pem")) + " --level T --tsa " + q(s.url("/tsa/ru-issuing")) + " --out " + q(s.f("contract.p7s")));
  const std::string tsa = s.f("ru-issuing/services/tsa.pem");
  REQUIRE(fs::exists(tsa));
  auto trust_with = [&](const std::string& name, const std::string& list) {
    for (const char* d : {"anchors", "lists"}) fs::create_directories(s.f(name + "/" + d));
    fs::copy_file(s.f("cn-root.pem"), s.f(name + "/anchors/root.pem"));
    if (!list.empty()) fs::copy_file(s.f(list), s.f(name + "/lists/list.xml"));
    testing::write(s.f(name + "/policy.toml"), "fetch_private_addresses = true\n");
    return s.f(name);
  };
  auto verify = [&](const std::string& trust, const std::string& extra = "") {
    return xsign("verify " + q(doc) + " " + q(s.f("contract.p7s")) + " --trust " + q(trust) + " --json " + extra);
  };
  const auto without = verify(trust_with("trust-plain", ""));
  INFO(without.out);
  CHECK_THAT(without.out, Catch::Contains("the TSA is not trusted"));

  const auto later = sign::format_time(sign::now() + std::chrono::hours(24 * 20));
  s.run_ok("trustlist create --operator 'Shanghai Trusted Trade CA' --territory CN --contact mailto:tl@example.cn --tsa " +
           q(tsa) + " --withdrawn " + q(tsa) + "@" + later + " --out " + q(s.f("tsa.unsigned.xml")));
  s.run_ok("trustlist sign " + q(s.f("tsa.unsigned.xml")) + " --key " + q(s.f("cn-root/ca.key")) + " --cert " +
           q(s.f("cn-root.pem")) + " --out " + q(s.f("tsa-list.xml")));
  CHECK(schema_check(s.f("tsa-list.xml")).exit_code == 0);
  CHECK(xpath(s.f("tsa-list.xml"), "string(//*[local-name()='ServiceTypeIdentifier'])") ==
        "http://uri.etsi.org/TrstSvc/Svctype/TSA/QTST");
  const auto trust = trust_with("trust-listed", "tsa-list.xml");
  const auto with = verify(trust);
  INFO(with.out);
  CHECK(with.exit_code == 0);
  CHECK_THAT(with.out, !Catch::Contains("the TSA is not trusted"));
  // Withdrawn before the time-stamp was made (as soon as it was certified): it no longer vouches.
  const auto earlier = sign::format_time(sign::Certificate::load(tsa).not_before());
  s.run_ok("trustlist create --operator 'Shanghai Trusted Trade CA' --territory CN --contact mailto:tl@example.cn --tsa " +
           q(tsa) + " --withdrawn " + q(tsa) + "@" + earlier + " --sequence 2 --out " + q(s.f("tsa2.unsigned.xml")));
  s.run_ok("trustlist sign " + q(s.f("tsa2.unsigned.xml")) + " --key " + q(s.f("cn-root/ca.key")) + " --cert " +
           q(s.f("cn-root.pem")) + " --out " + q(s.f("tsa-withdrawn.xml")));
  const auto withdrawn = verify(trust_with("trust-withdrawn", "tsa-withdrawn.xml"));
  CHECK_THAT(withdrawn.out, Catch::Contains("the TSA is not trusted"));
  // A TSA listing does not make the TSA's key a CA for signers: the Russian trader stays unknown.
  s.run_ok("sign " + q(doc) + " --key " + q(s.f("ru-trader.key")) + " --cert " + q(s.f("ru-trader.pem")) + " --chain " +
           q(s.f("ru-issuing.pem")) + " --out " + q(s.f("contract.ru.p7s")));
  const auto ru = xsign("verify " + q(doc) + " " + q(s.f("contract.ru.p7s")) + " --trust " + q(trust) + " --json");
  CHECK(ru.exit_code == 2);
  CHECK_THAT(ru.out, Catch::Contains("NO_CERTIFICATE_CHAIN_FOUND"));
}
