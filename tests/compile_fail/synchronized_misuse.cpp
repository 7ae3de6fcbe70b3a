// synchronized locks only a mutex whose lock() cannot throw (its try_allocate and
// deallocate are noexcept), and never copies the allocator it is given (blocks of
// one copy would be freed into the other). MEMREG_MISUSE selects one misuse (see
// CMakeLists.txt); case 0 is what may be done, and compiles.
#include <memreg/heap.hpp>
#include <memreg/std_adapters.hpp>
#include <memreg/synchronized.hpp>

#include <mutex>
#include <utility>

void use();

void use() {
    memreg::synchronized<memreg::heap<>> built(memreg::heap_options{});
    memreg::from_memory_resource upstream;  // copyable, and movable
    memreg::synchronized<memreg::from_memory_resource> moved(std::move(upstream));
    (void)built;
    (void)moved;
#if MEMREG_MISUSE == 1
    memreg::synchronized<memreg::heap<>, std::mutex> locked;
    (void)locked;
#elif MEMREG_MISUSE == 2
    memreg::from_memory_resource kept;
    memreg::synchronized<memreg::from_memory_resource> copied(kept);
    (void)copied;
#elif MEMREG_MISUSE == 3
    memreg::synchronized<memreg::heap<>> twin(built);
    (void)twin;
#endif
}
