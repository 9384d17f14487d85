// timeloop, in Go: the main goroutine and a second one each print, every
// 100 ms, "LOOP who=main|goroutine now=S", where S is time.Now() (the Go
// runtime calls the kernel vDSO's clock_gettime through an address it
// resolved at start), until standard input ends; then it exits 0. For
// timensctl attach and detach (AttachIT).
package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

func main() {
	var out sync.Mutex
	done := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	loop := func(who string) {
		for {
			select {
			case <-done:
				return
			default:
			}
			out.Lock()
			fmt.Printf("LOOP who=%s now=%d\n", who, time.Now().Unix())
			out.Unlock()
			time.Sleep(100 * time.Millisecond)
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		loop("goroutine")
	}()
	loop("main")
	wg.Wait()
}
