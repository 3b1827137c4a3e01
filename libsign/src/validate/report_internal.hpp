// Shared by the report renderers (text, HTML).
#pragma once

#include <string>

namespace sign::detail {

/// The CN of a subject string for a short mention (the full subject is shown elsewhere); the
/// whole subject when it has no CN.
inline std::string common_name(const std::string& subject) {
  const auto at = subject.find("CN=");
  if (at == std::string::npos || (at > 0 && subject[at - 1] != ' ' && subject[at - 1] != ',')) return subject;
  const auto end = subject.find(", ", at);
  return subject.substr(at + 3, end == std::string::npos ? std::string::npos : end - at - 3);
}

}  // namespace sign::detail
