#!/usr/bin/env bash
# The image benchmark (image.lua) on Lua 5.4 and LuaJIT: every variant in its own
# process, each run REPEATS times (the fastest run counts), printed as a Markdown
# table with time and memory relative to Lua tables (and FFI over memreg relative
# to ffi.new).
#
#   bench/lua/image_bench.sh BUILD_DIR [side=400] [iterations=100] [repeats=3]
#
# BUILD_DIR is a memreg build (Release, for numbers) whose lua/<v>/memreg.so exist:
#   cmake -S . -B build-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-rel --target memreg_lua_module_54 memreg_lua_module_jit
set -euo pipefail
build=$(cd "${1:?usage: image_bench.sh BUILD_DIR [side] [iterations] [repeats]}" && pwd)
side=${2:-400}
iterations=${3:-100}
repeats=${4:-3}
here=$(cd "$(dirname "$0")" && pwd)

# run LUA VERSION VARIANT -> "seconds kib checksum" of the fastest of $repeats runs
run() {
    local interpreter=$1 version=$2 variant=$3 best="" line
    for ((i = 0; i < repeats; i++)); do
        line=$(LUA_CPATH="$build/lua/$version/?.so" LUA_CPATH_5_4="$build/lua/$version/?.so" \
               "$interpreter" "$here/image.lua" "$variant" "$side" "$iterations")
        # variant seconds "s" kib "KiB" "checksum" sum
        read -r _ s _ k _ _ c <<<"$line"
        if [[ -z $best ]] || awk -v a="$s" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
            best="$s $k $c"
        fi
    done
    echo "$best"
}

echo "image benchmark: $side x $side pixels, $iterations grey passes, best of $repeats runs"
echo "($(nproc) cores; $(uname -m); $(lua5.4 -v 2>&1 | head -1); $(luajit -v 2>&1 | head -1))"
echo
echo "| Lua | variant | time (s) | time vs tables | memory (KiB) | memory vs tables | checksum |"
echo "|---|---|---:|---:|---:|---:|---:|"
for lua in lua5.4:5.4 luajit:jit; do
    interpreter=${lua%%:*}
    version=${lua##*:}
    variants=(tables tables_origin array batched)
    [[ $version == 5.4 ]] && variants+=(batched32)
    [[ $version == jit ]] && variants+=(ffi ffi_memreg)
    variants+=(memreg_ffi)
    read -r ts tk tc <<<"$(run "$interpreter" "$version" tables)"
    ffi_time=""
    for variant in "${variants[@]}"; do
        if [[ $variant == tables ]]; then
            s=$ts k=$tk c=$tc
        else
            read -r s k c <<<"$(run "$interpreter" "$version" "$variant")"
        fi
        [[ $variant == ffi ]] && ffi_time=$s
        extra=""
        if [[ ($variant == ffi_memreg || $variant == memreg_ffi) && -n $ffi_time ]]; then
            extra=" ($(awk -v a="$s" -v b="$ffi_time" 'BEGIN { printf "%.2f", a / b }')x ffi.new)"
        fi
        printf "| %s | %s | %s | %s%s | %s | %s | %s |\n" "$interpreter" "$variant" "$s" \
            "$(awk -v a="$s" -v b="$ts" 'BEGIN { printf "%.2fx", a / b }')" "$extra" "$k" \
            "$(awk -v a="$k" -v b="$tk" 'BEGIN { printf "%.3fx", a / b }')" "$c"
    done
done
