// Which command groups a run registers. Building CLI11's whole tree (every command, option and
// flag) cost about 5 of the 19 million instructions of a short `xsign` process; a run that names
// a command needs only that command's group. Help, completion, man pages, `config` and
// anything unrecognised (a typo to suggest a name for) still get the whole tree.
#include "commands.hpp"

#include <sign/error.hpp>

#include <algorithm>
#include <string_view>
#include <vector>

namespace xsign {
namespace {

struct CommandGroup {
  std::vector<std::string_view> names;  ///< the top-level commands the group adds, in its order
  void (*add)(CLI::App&, Context&);
  bool reads_whole_tree = false;  ///< help and config describe every other command
};

const std::vector<CommandGroup>& command_groups() {
  static const std::vector<CommandGroup> groups = {
      {{"key"}, register_key_commands},
      {{"sign", "cosign", "countersign", "extend"}, register_sign_commands},
      {{"extract", "inspect"}, register_inspect_commands},
      {{"verify-batch", "verify"}, register_verify_command},
      {{"ts", "ocsp"}, register_ts_commands},
      {{"trustlist"}, register_trustlist_commands},
      {{"channel"}, register_channel_commands},
      {{"demo"}, register_demo_command},
      {{"serve"}, register_serve_command},
      {{"csr", "ca"}, register_ca_commands},
      {{"version"}, register_version_command},
      {{"show"}, register_show_command},
      {{"cache"}, register_cache_command},
      {{"config"}, register_config_command, true},
      // Registered last: they read the tree the others built.
      {{"help", "man-pages", "completion"}, register_help_commands, true},
  };
  return groups;
}

/// The first word that is not an option of the top level (nor the value of one), or empty.
std::string_view command_word(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") return {};
    if (word.empty() || word[0] != '-') return word;
    if (word == "--config" || word == "--lang") ++i;  // their value is the next word
  }
  return {};
}

std::vector<std::string> top_level_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (!sub->get_name().empty()) names.push_back(sub->get_name());
  return names;
}

}  // namespace

void register_commands(CLI::App& app, Context& ctx, int argc, char** argv) {
  const std::string_view word = command_word(argc, argv);
  for (const auto& group : command_groups()) {
    if (group.reads_whole_tree) continue;
    if (std::find(group.names.begin(), group.names.end(), word) != group.names.end()) {
      group.add(app, ctx);
      return;
    }
  }
  // The whole tree; each group must add exactly the names the table gives it, or a command
  // would be missing from runs that name it (every test that asks for --help checks this).
  for (const auto& group : command_groups()) {
    const std::size_t before = top_level_names(app).size();
    group.add(app, ctx);
    const auto names = top_level_names(app);
    const std::vector<std::string> added(names.begin() + static_cast<std::ptrdiff_t>(before), names.end());
    if (!std::equal(added.begin(), added.end(), group.names.begin(), group.names.end()))
      throw sign::InternalError("the command table of cli/command_table.cpp is out of date for '" +
                                std::string(group.names.front()) + "'");
  }
}

}  // namespace xsign
