package cli

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// dropExecutable drops from the process's mappings the pages of its
// executable that are mapped read-only: code and read-only data. Those
// pages are file-backed and clean, so dropping them (MADV_DONTNEED; never
// on a writable mapping, whose private changes it would lose) costs
// nothing: the next use maps them again from the page cache, where they
// stay until the kernel needs the memory. The kernel's fault-around maps
// 64 KiB around each page touched, which is why a little use leaves much
// of the binary resident.
func dropExecutable() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 00400000-008bd000 r-xp 00000000 fe:00 10019205  /usr/bin/memmon
		fields := strings.Fields(sc.Text())
		if len(fields) != 6 || fields[5] != exe || strings.ContainsRune(fields[1], 'w') {
			continue
		}
		lo, hi, _ := strings.Cut(fields[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		// An address range from the kernel, not a Go pointer: hence the
		// raw system call rather than syscall.Madvise's []byte.
		syscall.Syscall(syscall.SYS_MADVISE, uintptr(start), uintptr(end-start), syscall.MADV_DONTNEED)
	}
}
