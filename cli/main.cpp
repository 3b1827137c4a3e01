// xsign: command-line front end of libsign. Parses arguments, calls the library, prints;
// errors become one `xsign: error: ...` line on stderr and a documented exit code.
#include "commands.hpp"
#include "exit_codes.hpp"
#include "language.hpp"
#include "output.hpp"
#include "progress.hpp"

#include <sign/error.hpp>

#include <botan/exceptn.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace {

int fail(int code, const std::string& message, const std::string& hint = {}) {
  std::cerr << "xsign: " << xsign::tr("error") << ": " << message << "\n";
  if (!hint.empty()) std::cerr << "xsign: " << xsign::tr("hint") << ": " << hint << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  // Botan's locked-memory pool costs about a third of a short `xsign verify` to set up and
  // tear down; key material is still zeroed on release without it. A user's own setting wins.
  ::setenv("BOTAN_MLOCK_POOL_SIZE", "0", 0);
  CLI::App app{
      "xsign: trusted electronic signatures for cross-border trade documents\n"
      "(SM2/SM3 for the Chinese domain, GOST R 34.10-2012/Streebog for the Russian one).\n"
      "Exit codes: 0 ok, 1 failed, 2 indeterminate, 64 usage, 65 bad input data or\n"
      "passphrase, 66 missing input, 70 internal error, 74 I/O error.",
      "xsign"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "xsign " XSIGN_VERSION);
  // Options of the top level may follow the command (`xsign sign DOC --out F --force`).
  app.fallthrough();
  app.add_flag_callback(
      "--force", [] { xsign::set_force_overwrite(true); },
      "Let --out replace an existing regular file (never a symlink, FIFO, device or directory, and never a CA "
      "directory's state files). Without it, an existing output file is an error (exit 64).");
  app.set_help_all_flag("--help-all", "Show help for every command");
  app.add_flag_callback("--quiet,-q", [] { xsign::set_quiet(true); },
                        "No progress bars (they appear only when standard error is a terminal)");
  // Defaults a person sets once (trust store, TSA, key, policy), per command; precedence:
  // options on the command line, then the file. `xsign config show` prints what is in effect.
  app.config_formatter(std::make_shared<CLI::ConfigTOML>());
  app.set_config("--config", xsign::default_config_path(),
                 "Defaults file (TOML, [command] sections; default $XSIGN_CONFIG, then ~/.config/xsign/config.toml)");
  // Read before parsing (choose_language); declared here so that it is accepted, documented and
  // may stand at the top of the defaults file.
  std::string lang_option;
  app.add_option("--lang", lang_option,
                 "Language of text output: en, ru or zh (default $XSIGN_LANG, then `lang` in the defaults file, then "
                 "the locale: LC_ALL, LC_MESSAGES, LANG). JSON output is the same in every language.");

  xsign::Context ctx;
  try {
    xsign::register_commands(app, ctx, argc, argv);
    xsign::choose_language(argc, argv, xsign::default_config_path());
    if (const auto typo = xsign::suggest_command(app, argc, argv); !typo.empty())
      return fail(xsign::kExitUsage, typo, xsign::tr("hint_command_help"));
    app.parse(argc, argv);
    return ctx.exit_code;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string typo = xsign::suggest_option(app, e.what());
    return fail(xsign::kExitUsage, typo.empty() ? std::string(e.what()) : typo, xsign::tr("hint_usage"));
  } catch (const sign::UsageError& e) {
    return fail(xsign::kExitUsage, e.what());
  } catch (const sign::PassphraseError& e) {
    return fail(xsign::kExitDataError, e.what(),
                xsign::tr("hint_passphrase"));
  } catch (const sign::FormatError& e) {
    return fail(xsign::kExitDataError, e.what());
  } catch (const sign::NoInputError& e) {
    return fail(xsign::kExitNoInput, e.what());
  } catch (const sign::IoError& e) {
    return fail(xsign::kExitIoError, e.what());
  } catch (const sign::SignerError& e) {
    return fail(xsign::kExitUnavailable, e.what(), xsign::tr("hint_signer"));
  } catch (const sign::Error& e) {
    return fail(xsign::kExitInternal, e.what(), xsign::tr("hint_bug"));
  } catch (const std::filesystem::filesystem_error& e) {
    // Paths the user gave that cannot be looked at (a link loop, a permission): input, not a bug.
    const auto code = e.code().value();
    const bool missing = code == ENOENT || code == ELOOP || code == ENOTDIR || code == ENAMETOOLONG;
    return fail(missing ? xsign::kExitNoInput : xsign::kExitIoError, e.what());
  } catch (const std::exception& e) {
    return fail(xsign::kExitInternal, xsign::tr("unexpected", {{"message", e.what()}}), xsign::tr("hint_bug"));
  }
}
