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
void register_verify_command(CLI::App& app, Context& ctx);
void register_serve_command(CLI::App& app, Context& ctx);
void register_ts_commands(CLI::App& app, Context& ctx);
void register_channel_commands(CLI::App& app, Context& ctx);
void register_demo_command(CLI::App& app, Context& ctx);

}  // namespace xsign
