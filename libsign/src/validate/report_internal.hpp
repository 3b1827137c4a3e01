// Shared by the report renderers (text, HTML) and the server's verification page.
#pragma once

#include <string>
#include <string_view>

namespace sign::detail {

/// The CN of a subject string for a short mention (the full subject is shown elsewhere); the
/// whole subject when it has no CN.
inline std::string common_name(const std::string& subject) {
  const auto at = subject.find("CN=");
  if (at == std::string::npos || (at > 0 && subject[at - 1] != ' ' && subject[at - 1] != ',')) return subject;
  const auto end = subject.find(", ", at);
  return subject.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3);
}

/// Text for HTML/XHTML content and attribute values: markup characters as entities, invalid
/// UTF-8 replaced, control characters shown as visible escapes (names are attacker-chosen).
std::string html_escape(std::string_view text);

}  // namespace sign::detail
