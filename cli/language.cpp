#include "language.hpp"

#include <sign/error.hpp>

#include <toml++/toml.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <optional>

namespace xsign {
namespace {

sign::Language chosen = sign::Language::en;

// The value of `--name VALUE` or `--name=VALUE` anywhere on the command line (the last wins,
// as CLI11 takes it); nothing after a bare `--`.
std::optional<std::string> option_value(int argc, char** argv, std::string_view name) {
  std::optional<std::string> value;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == name && i + 1 < argc) value = argv[++i];
    else if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') value = std::string(arg.substr(name.size() + 1));
  }
  return value;
}

sign::Language named(const std::string& tag, const std::string& where) {
  if (const auto lang = sign::parse_language(tag)) return *lang;
  throw sign::UsageError("unknown language '" + tag + "' in " + where + " (supported: en, ru, zh)");
}

// The defaults file's top-level `lang`; a missing or unreadable file says nothing here (the
// parser reports a broken file when it reads it for the options).
std::optional<std::string> config_language(const std::string& file) {
  std::error_code ec;
  if (file.empty() || !std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  try {
    const auto table = toml::parse_file(file);
    if (const auto value = table["lang"].value<std::string>()) return *value;
  } catch (const toml::parse_error&) {
  }
  return std::nullopt;
}

}  // namespace

void choose_language(int argc, char** argv, const std::string& default_config_file) {
  if (const auto flag = option_value(argc, argv, "--lang")) {
    chosen = named(*flag, "--lang");
  } else if (const char* env = std::getenv("XSIGN_LANG"); env && *env) {
    chosen = named(env, "XSIGN_LANG");
  } else if (const auto file = config_language(option_value(argc, argv, "--config").value_or(default_config_file))) {
    chosen = named(*file, "the defaults file");
  } else {
    chosen = sign::language_from_environment();
  }
}

sign::Language language() { return chosen; }

std::string tr(std::string_view key, std::initializer_list<sign::MessageArg> args) {
  return sign::translate(chosen, "cli." + std::string(key), args);
}

}  // namespace xsign
