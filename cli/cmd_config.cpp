// `xsign config show|path`: the defaults file (TOML, one [section] per command, keys named like
// the long options: `[sign]` `tsa = "http://..."`) and what it sets. Command-line options win
// over the file; the file is optional.
#include "commands.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace xsign {

std::string default_config_path() {
  if (const char* env = std::getenv("XSIGN_CONFIG"); env && *env) return env;
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.config/xsign/config.toml";
  return ".xsign-config.toml";
}

void register_config_command(CLI::App& app, Context&) {
  auto* c = app.add_subcommand("config", "The defaults file: where it is and what it sets");
  c->require_subcommand(1);
  auto* show = c->add_subcommand("show", "Print the settings the defaults file gives (command-line options win over them)");
  show->callback([&app] {
    const std::string path = app.get_config_ptr()->as<std::string>();
    if (!std::filesystem::exists(path)) {
      std::cout << "# no defaults file at " << path << " (set one with XSIGN_CONFIG or --config)\n";
      return;
    }
    std::cout << "# " << path << "\n";
    // Every option the file set, in the file's own format (sections per command).
    std::cout << app.config_to_str(false, false);
  });
  auto* path = c->add_subcommand("path", "Print where the defaults file is looked for");
  path->callback([&app] { std::cout << app.get_config_ptr()->as<std::string>() << "\n"; });
}

}  // namespace xsign
