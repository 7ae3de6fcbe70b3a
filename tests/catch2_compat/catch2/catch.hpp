// Catch2 3 has no single header: this stands in for Catch2 2's <catch2/catch.hpp>
// so the tests build unchanged against either (on the include path only with Catch2 3).
#pragma once
#include <catch2/catch_all.hpp>
