// The compiled-in catalogues: tables sorted by key (i18n/catalogue_sources.hpp), searched by
// bisection. Nothing is parsed at run time.
#include "i18n/catalogue_sources.hpp"

#include <sign/error.hpp>
#include <sign/i18n.hpp>

#include <algorithm>
#include <cstdlib>

namespace sign {
namespace {

std::span<const detail::CatalogueEntry> catalogue(Language lang) {
  switch (lang) {
    case Language::ru: return detail::kCatalogueRu;
    case Language::zh: return detail::kCatalogueZh;
    case Language::en: break;
  }
  return detail::kCatalogueEn;
}

const std::string_view* find_message(Language lang, std::string_view key) {
  const auto c = catalogue(lang);
  const auto it = std::lower_bound(c.begin(), c.end(), key,
                                   [](const detail::CatalogueEntry& e, std::string_view k) { return e.key < k; });
  return it != c.end() && it->key == key ? &it->text : nullptr;
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
  const std::string_view* message = find_message(lang, key);
  return message ? std::optional<std::string>(*message) : std::nullopt;
}

std::string translate(Language lang, std::string_view key, std::initializer_list<MessageArg> args) {
  const std::string_view* message = find_message(lang, key);
  if (!message && lang != Language::en) message = find_message(Language::en, key);
  if (!message) throw Error("no message '" + std::string(key) + "' in the English catalogue");
  return fill(*message, args);
}

std::vector<std::string> catalogue_keys(Language lang) {
  std::vector<std::string> keys;
  for (const auto& entry : catalogue(lang)) keys.emplace_back(entry.key);
  return keys;
}

}  // namespace sign
