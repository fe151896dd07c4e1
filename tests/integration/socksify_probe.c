/* A program socksify must judge before it runs: it only prints "probe ran". The build makes
 * four of it (Makefile, "tests"):
 *   probe_static        linked with -static: no ELF interpreter, so LD_PRELOAD never loads
 *   probe_static_pie    the same with -static-pie (ET_DYN, with a dynamic section)
 *   probe_go_note       dynamic, but carrying the ELF note the Go linker writes ("Go", type 4,
 *                       the build ID) in a PT_NOTE segment, as a real Go program does
 *   probe_go_buildinfo  dynamic, with a .go.buildinfo section, as Go 1.13+ programs have
 * The two fakes stand in for Go programs (no Go toolchain on the build host): socksify must
 * refuse them by these marks alone. */
#include <stdio.h>

#ifdef PROBE_GO_BUILD_ID_NOTE
__asm__(
    ".section .note.go.buildid,\"a\",@note\n"
    ".balign 4\n"
    ".long 4\n"  /* namesz: "Go\0\0" */
    ".long 16\n" /* descsz */
    ".long 4\n"  /* type: ELF_NOTE_GOBUILDID_TAG */
    ".ascii \"Go\\0\\0\"\n"
    ".ascii \"probe-build-id-0\"\n"
    ".previous\n");
#endif

#ifdef PROBE_GO_BUILDINFO
__attribute__((section(".go.buildinfo"), used)) static const char buildinfo[32] =
    "\xff Go buildinf:";
#endif

int main(void) {
  puts("probe ran");
  return 0;
}
