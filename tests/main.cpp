#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "support.hpp"

#include <cstdlib>

// Every test process gets a fetch cache of its own (XSIGN_CACHE_DIR, inherited by the xsign
// commands it runs): a CRL one test cached must not answer for another test's CA.
int main(int argc, char* argv[]) {
  testing::TempDir cache;
  ::setenv("XSIGN_CACHE_DIR", cache.file("cache").c_str(), 1);
  return Catch::Session().run(argc, argv);
}
