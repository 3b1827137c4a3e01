// LazyLibrary: dlopen on first use (see lazy_library.hpp).
#include "support/lazy_library.hpp"

#include <sign/error.hpp>

#include <dlfcn.h>

namespace sign::detail {

LazyLibrary::LazyLibrary(std::string soname, std::string package, std::string needed_for)
    : soname_(std::move(soname)), package_(std::move(package)), needed_for_(std::move(needed_for)) {}

void* LazyLibrary::handle() const {
  // Opened once (a failure is an exception, and the next use tries again), never closed.
  std::call_once(opened_, [&] {
    void* lib = ::dlopen(soname_.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* why = ::dlerror();
      throw UsageError(needed_for_ + " needs " + soname_ + " (Debian package " + package_ + "): " +
                       (why ? why : "it could not be loaded"));
    }
    handle_ = lib;
  });
  return handle_;
}

void* LazyLibrary::symbol(const char* name) const {
  void* lib = handle();
  ::dlerror();
  void* address = ::dlsym(lib, name);
  if (!address)
    throw UsageError(soname_ + " lacks " + name + "; install a current " + package_ + " (Debian package)");
  return address;
}

}  // namespace sign::detail
