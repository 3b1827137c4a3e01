// The compiled-in catalogues, each parsed on its first use with toml++ (thread-safe static init).
#include "i18n/catalogue_sources.hpp"

#include <sign/error.hpp>
#include <sign/i18n.hpp>

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <map>

namespace sign {
namespace {

using Catalogue = std::map<std::string, std::string, std::less<>>;

Catalogue parse_catalogue(std::string_view source, std::string_view name) {
  Catalogue out;
  toml::table table;
  try {
    table = toml::parse(source, name);
  } catch (const toml::parse_error& e) {
    throw Error("message catalogue " + std::string(name) + " is broken: " + std::string(e.description()));
  }
  for (const auto& [section, node] : table) {
    const auto* entries = node.as_table();
    if (!entries) throw Error("message catalogue " + std::string(name) + ": '" + std::string(section.str()) + "' is not a section");
    for (const auto& [key, value] : *entries) {
      const auto* text = value.as_string();
      if (!text) throw Error("message catalogue " + std::string(name) + ": " + std::string(key.str()) + " is not a string");
      out.emplace(std::string(section.str()) + "." + std::string(key.str()), text->get());
    }
  }
  return out;
}

// Each language is parsed on its first use only: a short `xsign` process speaks one language
// (and English for what its own catalogue lacks), and parsing all three was an eighth of it.
const Catalogue& catalogue(Language lang) {
  switch (lang) {
    case Language::ru: {
      static const Catalogue ru = parse_catalogue(detail::kCatalogueRu, "ru.toml");
      return ru;
    }
    case Language::zh: {
      static const Catalogue zh = parse_catalogue(detail::kCatalogueZh, "zh.toml");
      return zh;
    }
    case Language::en: break;
  }
  static const Catalogue en = parse_catalogue(detail::kCatalogueEn, "en.toml");
  return en;
}

const std::string* find_message(Language lang, std::string_view key) {
  const auto& c = catalogue(lang);
  const auto it = c.find(key);
  return it == c.end() ? nullptr : &it->second;
}

// Placeholders are `{name}`; a brace that opens no known placeholder is kept as written.
std::string fill(std::string_view message, std::initializer_list<MessageArg> args) {
  std::string out;
  out.reserve(message.size() + 32);
  for (std::size_t i = 0; i < message.size();) {
    if (message[i] == '{') {
      const auto close = message.find('}', i + 1);
      if (close != std::string_view::npos) {
        const auto name = message.substr(i + 1, close - i - 1);
        const auto it = std::find_if(args.begin(), args.end(), [&](const MessageArg& a) { return a.first == name; });
        if (it != args.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    }
    out += message[i++];
  }
  return out;
}

}  // namespace

std::string_view language_tag(Language lang) {
  switch (lang) {
    case Language::ru: return "ru";
    case Language::zh: return "zh";
    case Language::en: break;
  }
  return "en";
}

std::optional<Language> parse_language(std::string_view tag) {
  if (tag == "C" || tag == "POSIX" || tag.starts_with("C.")) return Language::en;
  const auto end = tag.find_first_of("_-.@");
  std::string primary(tag.substr(0, end));
  std::transform(primary.begin(), primary.end(), primary.begin(), [](unsigned char c) { return std::tolower(c); });
  if (primary == "en") return Language::en;
  if (primary == "ru") return Language::ru;
  if (primary == "zh") return Language::zh;
  return std::nullopt;
}

Language language_from_environment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = std::getenv(name);
    if (value && *value) return parse_language(value).value_or(Language::en);
  }
  return Language::en;
}

std::optional<std::string> catalogue_message(Language lang, std::string_view key) {
  const std::string* message = find_message(lang, key);
  return message ? std::optional<std::string>(*message) : std::nullopt;
}

std::string translate(Language lang, std::string_view key, std::initializer_list<MessageArg> args) {
  const std::string* message = find_message(lang, key);
  if (!message && lang != Language::en) message = find_message(Language::en, key);
  if (!message) throw Error("no message '" + std::string(key) + "' in the English catalogue");
  return fill(*message, args);
}

std::vector<std::string> catalogue_keys(Language lang) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : catalogue(lang)) keys.push_back(k);
  return keys;
}

}  // namespace sign
