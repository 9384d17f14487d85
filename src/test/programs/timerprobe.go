// timerprobe.go: checks that Go's sleeps and timers last as long as asked inside
// the time namespace. The Go runtime keeps its timers on runtime.nanotime (the
// vDSO's CLOCK_MONOTONIC) and blocks with relative timeouts (epoll_pwait,
// futex), so with a rate of 1 these are controls for the namespace's
// relative waits; they will matter again once clocks can run at another rate.
//
//	timerprobe-go MODE SECONDS
//
// waits once and prints
//
//	TIMER mode=MODE clock=MONOTONIC requested=S.NNNNNNNNN elapsed=S.NNNNNNNNN result=OK lang=go [ticks=N]
//
// where elapsed is time.Since (Go's monotonic reading, so CLOCK_MONOTONIC inside
// the namespace). SECONDS is a decimal (1, 1.5). MODEs:
//
//	sleep        time.Sleep(SECONDS)
//	after        <-time.After(SECONDS)
//	ticker       time.NewTicker(SECONDS/5), five ticks (adds ticks=5)
//	timer-reset  a time.NewTimer of 10*SECONDS, stopped, Reset to SECONDS, then <-C
//
// Exits 0 after printing the line, 2 on a usage error.
package main

import (
	"fmt"
	"os"
	"time"
)

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "timerprobe-go: %s\nusage: timerprobe-go sleep|after|ticker|timer-reset SECONDS\n", msg)
	os.Exit(2)
}

// fixed formats a duration as a signed decimal number of seconds, S.NNNNNNNNN.
func fixed(d time.Duration) string {
	ns := int64(d)
	sign := ""
	if ns < 0 {
		sign = "-"
		ns = -ns
	}
	return fmt.Sprintf("%s%d.%09d", sign, ns/1e9, ns%1e9)
}

func main() {
	if len(os.Args) != 3 {
		usage("MODE and SECONDS expected")
	}
	mode := os.Args[1]
	// ParseDuration reads the decimal exactly, to the nanosecond.
	requested, err := time.ParseDuration(os.Args[2] + "s")
	if err != nil || requested < 0 {
		usage("bad SECONDS: " + os.Args[2])
	}

	extra := ""
	start := time.Now()
	switch mode {
	case "sleep":
		time.Sleep(requested)
	case "after":
		<-time.After(requested)
	case "ticker":
		const ticks = 5
		ticker := time.NewTicker(requested / ticks)
		for i := 0; i < ticks; i++ {
			<-ticker.C
		}
		ticker.Stop()
		extra = fmt.Sprintf(" ticks=%d", ticks)
	case "timer-reset":
		timer := time.NewTimer(10 * requested)
		if !timer.Stop() {
			<-timer.C
		}
		timer.Reset(requested)
		<-timer.C
	default:
		usage("unknown MODE " + mode)
	}
	elapsed := time.Since(start)

	fmt.Printf("TIMER mode=%s clock=MONOTONIC requested=%s elapsed=%s result=OK lang=go%s\n",
		mode, fixed(requested), fixed(elapsed), extra)
}
