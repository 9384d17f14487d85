// clockprobe.go: checks that Go programs, which read the clocks through the
// vDSO found by the Go runtime itself (no libc, static, CGO_ENABLED=0), see the
// time namespace, and that raw clock_gettime syscalls are answered too.
//
// Prints one line:
//
//	PROBE lang=go realtime=S.NNNNNNNNN monotonic=S.NNNNNNNNN raw_realtime=... raw_monotonic=...
//
// realtime is time.Now() (runtime.walltime, vDSO CLOCK_REALTIME); monotonic is
// runtime.nanotime (vDSO CLOCK_MONOTONIC), reached with go:linkname because the
// time package hides it; raw_ values are syscall.Syscall(SYS_CLOCK_GETTIME).
// Exits 0 when every clock could be read.
package main

import (
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"
	"unsafe"
)

//go:linkname nanotime runtime.nanotime
func nanotime() int64

const (
	clockRealtime  = 0
	clockMonotonic = 1
)

// fixed formats sec + nsec/1e9 (0 <= nsec < 1e9) as a signed decimal.
func fixed(sec, nsec int64) string {
	if sec < 0 && nsec != 0 {
		return fmt.Sprintf("-%d.%09d", -(sec + 1), 1000000000-nsec)
	}
	if sec < 0 {
		return fmt.Sprintf("-%d.%09d", -sec, 0)
	}
	return fmt.Sprintf("%d.%09d", sec, nsec)
}

// fromNanos formats a count of nanoseconds as seconds.
func fromNanos(ns int64) string {
	sec := ns / 1e9
	rem := ns % 1e9
	if rem < 0 {
		sec--
		rem += 1e9
	}
	return fixed(sec, rem)
}

func raw(clock uintptr) (string, bool) {
	var ts syscall.Timespec
	_, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clock, uintptr(unsafe.Pointer(&ts)), 0)
	if errno != 0 {
		return "error-" + errnoName(errno), false
	}
	return fixed(ts.Sec, ts.Nsec), true
}

func errnoName(e syscall.Errno) string {
	switch e {
	case syscall.EPERM:
		return "EPERM"
	case syscall.EFAULT:
		return "EFAULT"
	case syscall.EINVAL:
		return "EINVAL"
	case syscall.ENOSYS:
		return "ENOSYS"
	}
	return fmt.Sprintf("E%d", int(e))
}

func main() {
	now := time.Now()
	mono := nanotime()
	rawReal, ok1 := raw(clockRealtime)
	rawMono, ok2 := raw(clockMonotonic)

	var b strings.Builder
	b.WriteString("PROBE lang=go")
	fmt.Fprintf(&b, " realtime=%s", fixed(now.Unix(), int64(now.Nanosecond())))
	fmt.Fprintf(&b, " monotonic=%s", fromNanos(mono))
	fmt.Fprintf(&b, " raw_realtime=%s", rawReal)
	fmt.Fprintf(&b, " raw_monotonic=%s", rawMono)
	fmt.Println(b.String())
	if !ok1 || !ok2 {
		os.Exit(1)
	}
}
