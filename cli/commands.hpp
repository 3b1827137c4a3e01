// Registration of the xsign subcommands. Each command file adds its subcommands to the app;
// commands parse arguments and print, and leave every decision to libsign.
#pragma once

#include <CLI/CLI.hpp>

namespace xsign {

/// State shared by all commands of one invocation.
struct Context {
  int exit_code = 0;  ///< set by commands whose outcome is not success/error (verify)
};

void register_key_commands(CLI::App& app, Context& ctx);
void register_version_command(CLI::App& app, Context& ctx);
void register_ca_commands(CLI::App& app, Context& ctx);
void register_sign_commands(CLI::App& app, Context& ctx);
void register_inspect_commands(CLI::App& app, Context& ctx);
void register_verify_command(CLI::App& app, Context& ctx);
void register_serve_command(CLI::App& app, Context& ctx);
void register_ts_commands(CLI::App& app, Context& ctx);
void register_trustlist_commands(CLI::App& app, Context& ctx);
void register_channel_commands(CLI::App& app, Context& ctx);
void register_demo_command(CLI::App& app, Context& ctx);
void register_show_command(CLI::App& app, Context& ctx);
/// `xsign cache list|clear`.
void register_cache_command(CLI::App& app, Context& ctx);
/// `xsign config show|path`.
void register_config_command(CLI::App& app, Context& ctx);
/// $XSIGN_CONFIG, else ~/.config/xsign/config.toml.
std::string default_config_path();
/// `help` and `completion`: registered last, they read the tree the others built.
void register_help_commands(CLI::App& app, Context& ctx);
/// The group of the command argv names, or every command when it names none of them (help,
/// config, a typo): see command_table.cpp.
void register_commands(CLI::App& app, Context& ctx, int argc, char** argv);

/// "unknown command 'sigh'; did you mean 'sign'?" when the command words name no command, or
/// "unknown option '--ot'; did you mean '--out'?" when an option is unknown on the command's
/// path; empty when neither (CLI11 then judges the rest).
std::string suggest_command(CLI::App& app, int argc, char** argv);
/// "unknown option '--ot'; did you mean '--out'?" for a CLI11 "not expected" message, or empty.
std::string suggest_option(CLI::App& app, const std::string& message);

}  // namespace xsign
