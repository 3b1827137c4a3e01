// `xsign cache list|clear`: the CRLs, OCSP answers and CA certificates fetched while validating.
#include "commands.hpp"

#include <sign/io.hpp>
#include <sign/validate.hpp>

#include <nlohmann/json.hpp>

#include <iostream>

namespace xsign {
namespace {

struct CacheArgs {
  std::string dir, policy;
  bool json = false;
};

sign::ValidationPolicy policy_of(const CacheArgs& a) {
  sign::ValidationPolicy p = a.policy.empty() ? sign::ValidationPolicy{} : sign::ValidationPolicy::load(a.policy);
  if (!a.dir.empty()) p.cache_dir = a.dir;
  return p;
}

void list(const CacheArgs& a) {
  const auto p = policy_of(a);
  const auto entries = sign::fetch_cache_list(p);
  const auto now = sign::now();
  if (a.json) {
    nlohmann::json out{{"directory", sign::fetch_cache_directory(p)}, {"entries", nlohmann::json::array()}};
    for (const auto& e : entries)
      out["entries"].push_back({{"key", sign::valid_utf8(e.key)}, {"kind", e.kind}, {"fetched", sign::format_time(e.fetched)},
                                {"expires", sign::format_time(e.expires)}, {"expired", e.expires <= now}, {"bytes", e.size}});
    std::cout << out.dump(2) << "\n";
    return;
  }
  std::cout << "cache: " << sign::fetch_cache_directory(p) << "\n";
  std::size_t total = 0;
  for (const auto& e : entries) {
    total += e.size;
    std::cout << (e.expires <= now ? "expired " : "        ") << e.kind << "  fetched " << sign::format_time(e.fetched)
              << "  until " << sign::format_time(e.expires) << "  " << e.size << " B  " << sign::printable_text(e.key) << "\n";
  }
  std::cout << entries.size() << " entr" << (entries.size() == 1 ? "y" : "ies") << ", " << total << " bytes\n";
}

void clear(const CacheArgs& a) {
  const auto p = policy_of(a);
  const auto n = sign::fetch_cache_clear(p);
  std::cerr << "xsign: removed " << n << " cached object(s) from " << sign::fetch_cache_directory(p) << "\n";
}

}  // namespace

void register_cache_command(CLI::App& app, Context&) {
  auto a = std::make_shared<CacheArgs>();
  auto* c = app.add_subcommand("cache", "The cache of CRLs, OCSP answers and CA certificates fetched while validating");
  c->require_subcommand(1);
  auto* l = c->add_subcommand("list", "List what is cached, with when it expires (its nextUpdate)");
  l->add_option("--cache-dir", a->dir, "Cache directory (default $XSIGN_CACHE_DIR, ~/.cache/xsign)")->type_name("DIR");
  l->add_option("--policy", a->policy, "Take cache_dir from this validation policy");
  l->add_flag("--json", a->json, "Machine-readable output");
  l->callback([a] { list(*a); });
  auto* x = c->add_subcommand("clear", "Remove everything cached");
  x->add_option("--cache-dir", a->dir, "Cache directory")->type_name("DIR");
  x->add_option("--policy", a->policy, "Take cache_dir from this validation policy");
  x->callback([a] { clear(*a); });
}

}  // namespace xsign
