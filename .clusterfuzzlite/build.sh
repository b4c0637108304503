#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build script for framecheck's fuzz targets.
#
# Builds every target of fuzz/Cargo.toml (but `calibrate`, a yardstick, and
# the `bench_*` targets of scripts/fuzz-bench.sh, which crash by design)
# with `cargo fuzz build -O`, and puts in $OUT, per target:
#   <target>                  the libFuzzer binary
#   <target>_seed_corpus.zip  the committed corpus, corpus/<target>/
#   <target>.dict             a libFuzzer dictionary of framing tokens
# Uses the base image's environment ($SRC, $OUT, RUSTFLAGS, SANITIZER...);
# scripts/cflite-local.sh runs it the same way without Docker.

root=${FRAMECHECK_SRC:-$SRC/framecheck}
cd "$root/fuzz"

targets=$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -vx 'framecheck-fuzz\|calibrate' | grep -v '^bench_')

# cargo-fuzz's sanitizer follows $SANITIZER (the base image's `coverage`
# build instruments through RUSTFLAGS and wants none from cargo-fuzz).
case "${SANITIZER:-address}" in
    address|memory|thread) sanitizer=$SANITIZER ;;
    *) sanitizer=none ;;
esac
cargo fuzz build -O --sanitizer "$sanitizer"

bindir=target/$(rustc -vV | sed -n 's/^host: //p')/release

# Tokens every framing target meets: delimiters, length fields at their
# edges, varint continuation runs, tag-like bytes.
common_dict() {
    cat <<'DICT'
crlf="\x0d\x0a"
lf="\x0a"
cr="\x0d"
nul="\x00"
u16_zero="\x00\x00"
u16_max="\xff\xff"
u16_one="\x00\x01"
u32_zero="\x00\x00\x00\x00"
u32_max="\xff\xff\xff\xff"
u32_4="\x00\x00\x00\x04"
u64_max="\xff\xff\xff\xff\xff\xff\xff\xff"
varint_cont="\x80"
varint_two="\xac\x02"
varint_ten="\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"
varint_long="\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00"
DICT
}

# The spec language's words (spec_text).
spec_dict() {
    cat <<'DICT'
k_fixed="fixed:"
k_line="line"
k_crlf="crlf"
k_delim="delim:"
k_u8="u8"
k_u16be="u16be"
k_u16le="u16le"
k_u32be="u32be"
k_u32le="u32le"
k_u64be="u64be"
k_u64le="u64le"
k_varint="varint"
k_tagged="tagged:"
k_eof="eof"
o_max="max="
o_offset="offset="
o_adjust="adjust="
o_adjust_neg="adjust=-4"
s_kib="KiB"
s_mib="MiB"
s_sep=","
s_tag="A=4/"
DICT
}

# The schedule language's words.
schedule_dict() {
    cat <<'DICT'
sh_whole="whole"
sh_rest=",*"
sh_rand="rand:"
sh_heavy="heavy:"
sh_range=".."
sh_msg="msg"
sh_straddle="straddle"
op_pause="/pause="
op_stall="/stall@"
op_fin="/fin@"
op_rst="/rst@"
op_seed="/seed="
d_ms="ms"
d_us="us"
DICT
}

for t in $targets; do
    cp "$bindir/$t" "$OUT/"
    rm -f "$OUT/${t}_seed_corpus.zip"
    if [ -d "$root/corpus/$t" ] && [ -n "$(ls -A "$root/corpus/$t")" ]; then
        (cd "$root/corpus/$t" && zip -q -r "$OUT/${t}_seed_corpus.zip" .)
    fi
    {
        echo "# libFuzzer dictionary for $t: framing tokens (written by .clusterfuzzlite/build.sh)"
        common_dict
        case "$t" in
            spec_text) spec_dict ;;
            schedule) schedule_dict ;;
        esac
    } >"$OUT/$t.dict"
done
echo "build.sh: $(echo $targets | wc -w) targets in $OUT"
