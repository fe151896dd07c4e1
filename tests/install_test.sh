#!/bin/bash
# make install / install-strip / uninstall into temporary DESTDIRs (never the real system), and
# make run's package list. Usage: tests/install_test.sh BUILD. tests/run.sh counts it as one test.
# Each make is bounded by `timeout`; the whole script by the sum (a few minutes at most).
set -uo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:?usage: install_test.sh BUILD}")
work=$(mktemp -d /tmp/socks4-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "install_test: FAIL: $*"; failures=$((failures + 1)); }

run_make() {  # run_make LOG ARGS...: make in the source tree with this BUILD, bounded.
  local log=$1; shift
  timeout 600 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" --no-print-directory BUILD="$build" "$@" > "$log" 2>&1 ||
    { fail "make $* exited with $?:"; tail -20 "$log"; return 1; }
}

# make run installs no test tool (dante-server and oidentd start services on Debian).
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -C "$src" --no-print-directory -n BUILD="$build" run > "$work/run.n" 2>&1
grep -q 'install-deps.sh' "$work/run.n" || fail "make -n run does not call install-deps.sh"
for pkg in dante-server oidentd clang tnftp googletest curl; do
  grep 'install-deps.sh' "$work/run.n" | grep -qw -- "$pkg" && fail "make run installs $pkg"
done

# An install with the default paths first: it builds what embeds them (socksify, rftp, rtelnet,
# libsocks.pc).
if run_make "$work/default.log" DESTDIR="$work/default" install; then
  grep -aq /usr/local/lib/libsocksify.so "$work/default/usr/local/bin/socksify" ||
    fail "default socksify does not name /usr/local/lib/libsocksify.so"
  for r in rftp rtelnet; do
    grep -q '^socksify=/usr/local/bin/socksify$' "$work/default/usr/local/bin/$r" ||
      fail "default $r does not run /usr/local/bin/socksify"
  done
fi

# Then a Debian multiarch install under PREFIX=/usr: what embeds a path must be rebuilt.
multiarch=$(gcc -print-multiarch 2>/dev/null)
libdir=/usr/lib/${multiarch:-x86_64-linux-gnu}
dest=$work/dest
mkdir -p "$dest/usr/share/man"
echo foreign > "$dest/usr/share/man/not-ours"  # a directory and file that were there before
paths=(PREFIX=/usr LIBDIR="$libdir" DESTDIR="$dest")
if run_make "$work/install.log" "${paths[@]}" install; then
  for f in usr/sbin/sockd usr/bin/socksify "${libdir#/}/libsocks.so.0" "${libdir#/}/libsocks.a" \
      "${libdir#/}/libsocksify.so" "${libdir#/}/pkgconfig/libsocks.pc" usr/include/socks.h \
      usr/share/man/man8/sockd.8 usr/share/man/man1/socksify.1 usr/bin/rftp usr/bin/rtelnet \
      usr/share/man/man1/rftp.1 usr/share/man/man1/rtelnet.1 \
      usr/share/doc/socks4/examples/sockd.conf; do
    [[ -e "$dest/$f" ]] || fail "not installed: $f"
  done
  grep -aq "$libdir/libsocksify.so" "$dest/usr/bin/socksify" ||
    fail "socksify does not name $libdir/libsocksify.so"
  # (The shell commands' fixed PATH names /usr/local/bin; no install path may.)
  grep -aq '/usr/local/lib\|/usr/local/share' "$dest/usr/bin/socksify" &&
    fail "socksify still names /usr/local"
  for r in rftp rtelnet; do
    [[ -x "$dest/usr/bin/$r" ]] || fail "$r is not executable"
    grep -q '^socksify=/usr/bin/socksify$' "$dest/usr/bin/$r" || fail "$r does not run /usr/bin/socksify"
    grep -q '/usr/local' "$dest/usr/bin/$r" && fail "$r still names /usr/local"
  done
  pc="$dest/${libdir#/}/pkgconfig/libsocks.pc"
  grep -qx 'prefix=/usr' "$pc" || fail "libsocks.pc: prefix is not /usr: $(head -3 "$pc")"
  grep -qx "libdir=$libdir" "$pc" || fail "libsocks.pc: libdir is not $libdir: $(head -3 "$pc")"
  grep -q '/usr/local' "$pc" && fail "libsocks.pc still names /usr/local"
  grep -q 'ldconfig' "$work/install.log" && fail "ldconfig ran although DESTDIR is set"
  readelf -S "$dest/usr/sbin/sockd" | grep -q '\.symtab' || fail "plain install stripped sockd"
fi
if run_make "$work/uninstall.log" "${paths[@]}" uninstall; then
  left=$(cd "$dest" && find . -mindepth 1 | sort | tr '\n' ' ')
  [[ "$left" == "./usr ./usr/share ./usr/share/man ./usr/share/man/not-ours " ]] ||
    fail "make uninstall left (or removed) more than what was there before: $left"
fi

# install-strip: the programs and libraries lose their symbol tables.
if run_make "$work/strip.log" PREFIX=/usr DESTDIR="$work/strip" install-strip; then
  for f in usr/sbin/sockd usr/bin/socksify usr/lib/libsocks.so.0 usr/lib/libsocksify.so; do
    readelf -S "$work/strip/$f" 2>/dev/null | grep -q '\.symtab' && fail "install-strip kept $f's symbols"
  done
  run_make "$work/unstrip.log" PREFIX=/usr DESTDIR="$work/strip" uninstall &&
    [[ -z "$(ls -A "$work/strip")" ]] || fail "uninstall after install-strip left: $(cd "$work/strip" && find . -mindepth 1)"
fi

# Back to the default paths, so the build tree is as make all left it.
run_make "$work/back.log" all

((failures == 0)) && echo "install_test: OK" || echo "install_test: $failures failure(s)"
((failures == 0))
