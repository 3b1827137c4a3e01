// Text output in English, Russian and Chinese: complete catalogues, the choice of language
// (--lang > XSIGN_LANG > defaults file > locale), and JSON that never changes with it.
#include <catch2/catch.hpp>

#include "pki_fixture.hpp"
#include "support.hpp"

#include <sign/error.hpp>
#include <sign/i18n.hpp>

#include <ctime>
#include <regex>
#include <set>

using testing::q;

namespace {

std::set<std::string> placeholders(const std::string& message) {
  std::set<std::string> out;
  const std::regex re(R"(\{([a-z_]+)\})");
  for (auto it = std::sregex_iterator(message.begin(), message.end(), re); it != std::sregex_iterator(); ++it)
    out.insert((*it)[1]);
  return out;
}

// A fixed validation time within the certificates' validity: the JSON reports of several runs
// can then be compared byte for byte.
std::string soon() {
  const std::time_t t = std::time(nullptr) + 120;
  char at[32];
  std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return at;
}

// A signed invoice in the Russian domain, verified against the Russian root with CRLs given.
struct SignedInvoice {
  testing::TwoDomains d;
  std::string doc = d.f("invoice.xml");
  std::string verify_args;
  SignedInvoice() {
    testing::write(doc, "<Invoice><No>SH-MOW-77</No></Invoice>\n");
    d.run_ok("sign " + q(doc) + " --key " + q(d.f("ru-trader.key")) + " --cert " + q(d.f("ru-trader.pem")) +
             " --chain " + q(d.f("ru-issuing.pem")));
    // Revocation is another test's subject: off here, so that the verdict is VALID offline.
    testing::write(d.f("no-revocation.toml"), "revocation = \"off\"\n");
    verify_args = " verify " + q(doc) + " --trust " + q(d.f("ru-root.pem")) + " --policy " + q(d.f("no-revocation.toml")) +
                  " --offline --at " + soon();
  }
  // xsign with a clean language environment plus `env`.
  testing::CommandResult run(const std::string& env, const std::string& args) const {
    return testing::run("env -u LC_ALL -u LC_MESSAGES -u LANG -u XSIGN_LANG XSIGN_CONFIG=" + q(d.f("none.toml")) + " " +
                        env + " " + XSIGN_BIN + args);
  }
};

}  // namespace

TEST_CASE("Every catalogue has exactly the English keys, with the same placeholders", "[i18n]") {
  const auto en = sign::catalogue_keys(sign::Language::en);
  REQUIRE(en.size() > 50);
  for (const auto lang : {sign::Language::ru, sign::Language::zh}) {
    CAPTURE(sign::language_tag(lang));
    CHECK(sign::catalogue_keys(lang) == en);
    std::size_t differing = 0;
    for (const auto& key : en) {
      CAPTURE(key);
      const auto theirs = sign::catalogue_message(lang, key);
      REQUIRE(theirs);
      const auto ours = *sign::catalogue_message(sign::Language::en, key);
      CHECK(placeholders(*theirs) == placeholders(ours));
      if (*theirs != ours) ++differing;
    }
    // Translated, not copied: only names that are the same in every language may repeat.
    CHECK(differing + 2 >= en.size());
  }
}

TEST_CASE("Messages fill their placeholders, and languages come from tags and locale names", "[i18n]") {
  CHECK(sign::translate(sign::Language::en, "cli.unknown_command", {{"given", "sigh"}, {"suggestion", "sign"}}) ==
        "unknown command 'sigh'; did you mean 'sign'?");
  CHECK(sign::translate(sign::Language::ru, "verdict.VALID") == "ДЕЙСТВИТЕЛЬНА");
  CHECK(sign::translate(sign::Language::zh, "verdict.INVALID") == "无效");
  // A value containing a brace is inserted as it is, not expanded again.
  CHECK(sign::translate(sign::Language::en, "report.warning", {{"message", "{message}"}}) == "warning: {message}");
  CHECK_THROWS_AS(sign::translate(sign::Language::ru, "cli.no_such_message"), sign::Error);
  CHECK(sign::parse_language("ru_RU.UTF-8") == sign::Language::ru);
  CHECK(sign::parse_language("zh-Hans") == sign::Language::zh);
  CHECK(sign::parse_language("zh_CN.utf8") == sign::Language::zh);
  CHECK(sign::parse_language("C.UTF-8") == sign::Language::en);
  CHECK(sign::parse_language("POSIX") == sign::Language::en);
  CHECK(sign::parse_language("en_GB") == sign::Language::en);
  CHECK_FALSE(sign::parse_language("de_DE.UTF-8"));
  CHECK_FALSE(sign::parse_language(""));
}

TEST_CASE("verify speaks the chosen language, and the JSON report is the same in all of them", "[i18n][cli]") {
  SignedInvoice s;
  const auto en = s.run("", s.verify_args);
  INFO(en.out << en.err);
  REQUIRE(en.exit_code == 0);
  CHECK_THAT(en.out, Catch::StartsWith("VALID: TOTAL-PASSED") && Catch::Contains("signer:"));

  const auto ru = s.run("", s.verify_args + " --lang ru");
  CHECK(ru.exit_code == 0);
  CHECK_THAT(ru.out, Catch::StartsWith("ДЕЙСТВИТЕЛЬНА: TOTAL-PASSED") && Catch::Contains("подписант:") &&
                         Catch::Contains("цепочка доверия:") && Catch::Contains("подпись действительна") &&
                         Catch::Contains("INN"));  // the national identifiers keep their names

  const auto zh = s.run("LANG=zh_CN.UTF-8", s.verify_args);
  CHECK(zh.exit_code == 0);
  CHECK_THAT(zh.out, Catch::StartsWith("有效：TOTAL-PASSED") && Catch::Contains("签名者：") && Catch::Contains("信任路径："));

  const auto json_en = s.run("", s.verify_args + " --json");
  const auto json_ru = s.run("", s.verify_args + " --json --lang ru");
  const auto json_zh = s.run("LC_ALL=zh_CN.UTF-8", s.verify_args + " --json");
  REQUIRE(json_en.exit_code == 0);
  CHECK(json_ru.out == json_en.out);
  CHECK(json_zh.out == json_en.out);

  // A changed document: the sub-indication explained in the language, the ETSI names kept.
  testing::write(s.doc, "<Invoice><No>SH-MOW-78</No></Invoice>\n");
  const auto bad = s.run("", s.verify_args + " --lang ru");
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.out, Catch::StartsWith("НЕДЕЙСТВИТЕЛЬНА: TOTAL-FAILED") && Catch::Contains("HASH_FAILURE") &&
                          Catch::Contains("документ изменён после подписания") && Catch::Contains("подробно:"));
}

TEST_CASE("The language comes from --lang, then XSIGN_LANG, then the defaults file, then the locale", "[i18n][cli]") {
  SignedInvoice s;
  testing::write(s.d.f("config.toml"), "lang = \"zh\"\n");
  const std::string config = "XSIGN_CONFIG=" + q(s.d.f("config.toml"));
  CHECK_THAT(s.run(config + " LANG=ru_RU.UTF-8", s.verify_args).out, Catch::StartsWith("有效"));       // file > locale
  CHECK_THAT(s.run(config + " XSIGN_LANG=ru", s.verify_args).out, Catch::StartsWith("ДЕЙСТВИТЕЛЬНА"));  // env > file
  CHECK_THAT(s.run(config + " XSIGN_LANG=ru", s.verify_args + " --lang=en").out, Catch::StartsWith("VALID"));  // flag
  CHECK_THAT(s.run("LANG=de_DE.UTF-8", s.verify_args).out, Catch::StartsWith("VALID"));  // no catalogue: English
  CHECK_THAT(s.run("LC_ALL=C LANG=ru_RU.UTF-8", s.verify_args).out, Catch::StartsWith("VALID"));  // LC_ALL first

  const auto unknown = s.run("", s.verify_args + " --lang fr");
  CHECK(unknown.exit_code == 64);
  CHECK_THAT(unknown.err, Catch::Contains("unknown language 'fr'") && Catch::Contains("en, ru, zh"));
  CHECK(s.run("XSIGN_LANG=klingon", " --version").exit_code == 64);
}

TEST_CASE("Errors, hints, suggestions and batch tallies are translated too", "[i18n][cli]") {
  SignedInvoice s;
  auto r = s.run("", " sigh --lang ru");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("xsign: ошибка: неизвестная команда 'sigh'; возможно, имелась в виду 'sign'?") &&
                        Catch::Contains("xsign: подсказка:"));
  r = s.run("LANG=zh_CN.UTF-8", " verify --trsut x");
  CHECK(r.exit_code == 64);
  CHECK_THAT(r.err, Catch::Contains("xsign: 错误: 未知选项 '--trsut'；您是否想用 '--trust'？"));
  r = s.run("", " verify-batch " + q(s.doc + ".p7s") + " " + q(s.d.f("missing.xml.p7s")) + " --trust " +
                    q(s.d.f("ru-root.pem")) + " --policy " + q(s.d.f("no-revocation.toml")) + " --offline --lang ru");
  CHECK_THAT(r.out, Catch::Contains("ОШИБКА-ВВОДА"));
  CHECK_THAT(r.err, Catch::Contains("проверено файлов: 2") && Catch::Contains("ошибок ввода: 1"));
  // Library error details stay in English under a translated frame.
  r = s.run("", " verify " + q(s.d.f("nothing-here.xml")) + " --lang zh");
  CHECK_THAT(r.err, Catch::StartsWith("xsign: 错误: "));
}
