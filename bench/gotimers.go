// gotimers: a Go program busy with short timed waits, for bench/run: what
// the Go standard library's own time tests do most (timers, tickers, sleeps
// and select timeouts in a few goroutines at once), without their source.
//
//	gotimers [ROUNDS]   prints BENCH name=gotimers rounds=N fired=F
//
// It checks nothing about time itself: bench/run times the whole run from
// outside, natively, under timens and under timens --warp.
package main

import (
	"fmt"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	rounds := 400
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil {
			rounds = n
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	fired := 0
	count := func() { mu.Lock(); fired++; mu.Unlock() }
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			work := make(chan int)
			go func() {
				for i := 0; i < rounds; i++ {
					work <- i
				}
				close(work)
			}()
			ticker := time.NewTicker(700 * time.Microsecond)
			defer ticker.Stop()
			timer := time.NewTimer(time.Hour)
			for i := 0; i < rounds; i++ {
				time.Sleep(time.Duration(100+g*50) * time.Microsecond)
				timer.Reset(time.Duration(200+i%5*100) * time.Microsecond)
				select {
				case <-timer.C:
					count()
				case <-ticker.C:
					count()
				case <-time.After(2 * time.Millisecond):
					count()
				}
				<-work
			}
		}(g)
	}
	wg.Wait()
	fmt.Printf("BENCH name=gotimers rounds=%d fired=%d\n", rounds, fired)
}
