#!/bin/sh
# Builds the libFuzzer targets and runs each for a number of inputs.
#   Fuzz/run.sh               every target, 1,000,000 inputs each
#   Fuzz/run.sh replies       the Modbus reply validation only
#   Fuzz/run.sh http          the HTTP request-head parser only
#   Fuzz/run.sh chunk         the history chunk decoder only
#   Fuzz/run.sh loader 5000   one target, 5000 inputs
#   RUNS=-1 Fuzz/run.sh       until stopped (or a crash)
# Needs a Swift toolchain from swift.org (its clang runtime has libFuzzer).
# The modules are compiled with coverage and AddressSanitizer; crashes are
# written to Fuzz/.build/crashes/. Seeds: the shipped profiles, the bad-file
# corpus, and Fuzz/seeds/; what the fuzzer learns goes to Fuzz/.build/corpus-*.
set -eu
cd "$(dirname "$0")/.."
targets=${1:-"loader decoder replies chunk http"}
runs=${2:-${RUNS:-1000000}}
build=Fuzz/.build
mkdir -p "$build/crashes"
flags="-sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6"

# Profiles imports Modbus (the loader builds each device's PollOptions), which imports Sockets.
swiftc $flags -wmo -c -module-name Sockets -emit-module -emit-module-path "$build/Sockets.swiftmodule" \
    Sources/Sockets/*.swift -o "$build/Sockets.o"
swiftc $flags -wmo -c -module-name Modbus -I "$build" -emit-module -emit-module-path "$build/Modbus.swiftmodule" \
    Sources/Modbus/*.swift -o "$build/Modbus.o"
swiftc $flags -wmo -c -module-name Profiles -I "$build" -emit-module -emit-module-path "$build/Profiles.swiftmodule" \
    Sources/Profiles/*.swift -o "$build/Profiles.o"
swiftc $flags -wmo -c -module-name Telemetry -emit-module -emit-module-path "$build/Telemetry.swiftmodule" \
    Sources/Telemetry/*.swift -o "$build/Telemetry.o"
swiftc $flags -wmo -c -module-name Decoding -I "$build" -emit-module -emit-module-path "$build/Decoding.swiftmodule" \
    Sources/Decoding/*.swift -o "$build/Decoding.o"

for target in $targets; do
    case $target in
    loader)
        swiftc $flags -I "$build" Fuzz/ProfileLoaderFuzz.swift "$build/Profiles.o" "$build/Modbus.o" "$build/Sockets.o" -o "$build/loader-fuzz"
        mkdir -p "$build/corpus-loader"
        seeds="DeviceProfiles Tests/IntegrationTests/Fixtures Tests/IntegrationTests/Fixtures/Corpus Fuzz/seeds/loader" ;;
    decoder)
        swiftc $flags -I "$build" Fuzz/DecoderFuzz.swift "$build/Profiles.o" "$build/Modbus.o" "$build/Sockets.o" "$build/Telemetry.o" "$build/Decoding.o" -o "$build/decoder-fuzz"
        mkdir -p "$build/corpus-decoder"
        seeds="Fuzz/seeds/decoder" ;;
    chunk)
        # The codec's files use no SQLite: compiled into the target itself (with Telemetry, for FloatDigits).
        swiftc $flags -I "$build" -module-name ChunkFuzz Fuzz/ChunkFuzz.swift Sources/Store/BitStream.swift Sources/Store/ChunkCodec.swift \
            Sources/Store/RealCoding.swift Sources/Store/SQLiteValue.swift "$build/Telemetry.o" -o "$build/chunk-fuzz"
        mkdir -p "$build/corpus-chunk"
        seeds="Fuzz/seeds/chunk" ;;
    replies)
        swiftc $flags -I "$build" Fuzz/ReplyFuzz.swift "$build/Modbus.o" "$build/Sockets.o" -o "$build/replies-fuzz"
        mkdir -p "$build/corpus-replies"
        seeds="Fuzz/seeds/replies" ;;
    http)
        swiftc $flags -wmo -c -module-name HTTPServer -I "$build" -emit-module -emit-module-path "$build/HTTPServer.swiftmodule" \
            Sources/HTTPServer/*.swift -o "$build/HTTPServer.o"
        swiftc $flags -I "$build" Fuzz/HTTPRequestFuzz.swift "$build/HTTPServer.o" "$build/Sockets.o" -o "$build/http-fuzz"
        mkdir -p "$build/corpus-http"
        seeds="Fuzz/seeds/http" ;;
    *) echo "unknown target $target (loader, decoder, replies, chunk or http)" >&2; exit 2 ;;
    esac
    echo "== $target: $runs inputs"
    # -timeout: an input that takes two seconds is a hang; -rss_limit_mb: a blow-up.
    # Leak checks are off: at exit LeakSanitizer reports the lazily built
    # globals (FileShapes' indirect enums, Foundation's caches) as leaks.
    ASAN_OPTIONS=detect_leaks=0 "$build/$target-fuzz" "$build/corpus-$target" $seeds -runs="$runs" -detect_leaks=0 -timeout=2 -rss_limit_mb=2048 \
        -max_len=8192 -print_final_stats=1 -artifact_prefix="$build/crashes/$target-"
done
