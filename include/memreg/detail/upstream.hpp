// memreg/detail/upstream.hpp — how arena, pool and heap hold the allocator they
// get their chunks from: a stateless one (malloc_allocator) by value, costing
// nothing; a stateful one by pointer, so it must outlive them.
#pragma once

#include <type_traits>

#include "../allocator.hpp"

namespace memreg::detail {

template <allocator A>
class upstream_ref {
public:
    upstream_ref() noexcept = default;  // none: only for an arena over a fixed region
    explicit upstream_ref(A& a) noexcept : a_(__builtin_addressof(a)) {}
    [[nodiscard]] A& get() const noexcept { return *a_; }

private:
    A* a_ = nullptr;
};

template <allocator A>
    requires store_by_value<A>
class upstream_ref<A> {
public:
    upstream_ref() noexcept = default;
    explicit upstream_ref(A& a) noexcept : a_(a) {}
    [[nodiscard]] A& get() const noexcept { return a_; }

private:
    [[no_unique_address]] mutable A a_;
};

}  // namespace memreg::detail
