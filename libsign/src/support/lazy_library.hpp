// A C library opened with dlopen on its first use, and its functions resolved one by one.
//
// Linking libxml2 (with ICU), libzip and p11-kit loads them and the libraries they need into
// every process: about 3.5 ms of the start of a short `xsign sign` or `verify` that signs no
// XML, opens no container and uses no token (docs/performance.md). Code that calls them writes
// LAZY_CALL(library(), function)(arguments...): the type is the function's own (from its
// header), resolved once per call site, and a missing library is a UsageError that names the
// Debian package to install. The library is never unloaded.
#pragma once

#include <mutex>
#include <string>

namespace sign::detail {

class LazyLibrary {
 public:
  /// `soname` as the linker would record it ("libxml2.so.2"); `needed_for` completes "… needs
  /// libxml2 (Debian package libxml2)" in the error.
  LazyLibrary(std::string soname, std::string package, std::string needed_for);

  /// The address of `name` (a function or a variable), opening the library first; UsageError
  /// when the library or the symbol is missing.
  void* symbol(const char* name) const;

 private:
  void* handle() const;
  std::string soname_, package_, needed_for_;
  mutable std::once_flag opened_;
  mutable void* handle_ = nullptr;
};

}  // namespace sign::detail

/// The function `fn` of `library` (an expression yielding a LazyLibrary), typed as declared.
#define LAZY_CALL(library, fn)                                                                  \
  ([]() -> decltype(&::fn) {                                                                    \
    static const auto resolved = reinterpret_cast<decltype(&::fn)>((library).symbol(#fn));      \
    return resolved;                                                                            \
  }())
