// `xsign version`: library versions and the suites with their OIDs and parameter sets.
#include "commands.hpp"

#include <sign/crypto.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace xsign {

void register_version_command(CLI::App& app, Context&) {
  auto* cmd = app.add_subcommand("version", "Show versions of xsign and its libraries, and the suites");
  auto json = std::make_shared<bool>(false);
  cmd->add_flag("--json", *json, "Machine-readable output");
  cmd->callback([json] {
    const auto v = sign::library_versions();
    if (*json) {
      nlohmann::json out{{"xsign", v.libsign}, {"botan", v.botan}, {"openssl", v.openssl}};
      for (const auto& s : sign::all_suites()) {
        nlohmann::json curves = nlohmann::json::array();
        for (const auto& c : sign::curves_for(s.suite))
          curves.push_back({{"oid", c.oid}, {"name", c.name}, {"bits", c.order_bits},
                            {"default", c.oid == s.default_curve_oid}, {"test_only", c.test_only}});
        out["suites"].push_back({{"name", s.name}, {"domain", s.domain},
                                 {"description", s.description}, {"key_oid", s.key_oid},
                                 {"signature_oid", s.signature_oid},
                                 {"digest", sign::digest_name(s.digest)},
                                 {"digest_oid", sign::digest_oid(s.digest)},
                                 {"parameter_sets", curves}});
      }
      std::cout << out.dump(2) << "\n";
      return;
    }
    std::cout << "xsign " << v.libsign << "\n"
              << "  Botan   " << v.botan << "\n"
              << "  OpenSSL " << v.openssl << "\n\nSuites:\n";
    for (const auto& s : sign::all_suites()) {
      std::cout << "  " << s.name << " (" << s.domain << "): " << s.description << "\n"
                << "    key " << s.key_oid << ", signature " << s.signature_oid << ", digest "
                << sign::digest_name(s.digest) << " " << sign::digest_oid(s.digest) << "\n";
      for (const auto& c : sign::curves_for(s.suite)) {
        if (c.test_only) continue;
        std::cout << "    " << (c.oid == s.default_curve_oid ? "* " : "  ") << c.oid << "  "
                  << c.name << "\n";
      }
    }
    std::cout << "\n  * = default parameter set for new keys (--param-set OID chooses another)\n";
  });
}

}  // namespace xsign
