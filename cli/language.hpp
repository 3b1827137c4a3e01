// The language of the CLI's text output: --lang, then XSIGN_LANG, then the defaults file's
// top-level `lang`, then the locale (LC_ALL, LC_MESSAGES, LANG), then English. Decided before
// the command line is parsed, so that even a parse error is reported in it.
#pragma once

#include <sign/i18n.hpp>

#include <string>

namespace xsign {

/// Decides the language from argv and the environment; throws sign::UsageError for a language
/// without a catalogue named by --lang, XSIGN_LANG or the defaults file.
void choose_language(int argc, char** argv, const std::string& default_config_file);

/// The language chosen (English until choose_language runs).
sign::Language language();

/// A message of the CLI's catalogue section in the chosen language (see sign::translate).
std::string tr(std::string_view key, std::initializer_list<sign::MessageArg> args = {});

}  // namespace xsign
