// Message catalogues for text meant for people (reports, CLI lines): English, Russian, Chinese.
// One TOML catalogue per language (libsign/i18n/*.toml), compiled into the library; English is
// the reference and the fallback. JSON output is never translated.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sign {

enum class Language { en, ru, zh };

/// "en", "ru", "zh".
std::string_view language_tag(Language lang);

/// A language from a tag or locale name: "ru", "ru-RU", "ru_RU.UTF-8", "zh_CN.utf8", "zh-Hans",
/// "C", "POSIX", "en_US" (C and POSIX are English). nullopt for a language without a catalogue.
std::optional<Language> parse_language(std::string_view tag);

/// The language of the environment as POSIX orders it: the first non-empty of LC_ALL,
/// LC_MESSAGES, LANG; English when none is set or it names a language without a catalogue.
Language language_from_environment();

/// One placeholder's value: {"name", "value"} fills `{name}` in the message.
using MessageArg = std::pair<std::string_view, std::string>;

/// The message `key` ("section.name") of `lang`'s catalogue with its placeholders filled.
/// A key missing from a translation falls back to English; a key missing from English is a
/// bug and throws sign::Error.
std::string translate(Language lang, std::string_view key, std::initializer_list<MessageArg> args = {});

/// Every key of a catalogue, sorted (for completeness checks).
std::vector<std::string> catalogue_keys(Language lang);

/// The raw (unfilled) message, nullopt when the catalogue lacks it (no fallback).
std::optional<std::string> catalogue_message(Language lang, std::string_view key);

}  // namespace sign
