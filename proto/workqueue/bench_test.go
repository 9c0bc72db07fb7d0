package workqueue

import (
	"strconv"
	"sync"
	"testing"
)

// BenchmarkAddGetDone measures one key's round trip through the queue on a
// single goroutine.
func BenchmarkAddGetDone(b *testing.B) {
	q := New(Config[int]{})
	defer q.ShutDown()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		q.Add(i)
		k, _ := q.Get()
		q.Done(k)
	}
}

// BenchmarkAddDuplicate measures adding a key that is already queued.
func BenchmarkAddDuplicate(b *testing.B) {
	q := New(Config[string]{})
	defer q.ShutDown()
	q.Add("k")
	b.ReportAllocs()
	for b.Loop() {
		q.Add("k")
	}
}

// BenchmarkParallelWorkers measures throughput with one producer per
// benchmark goroutine and four workers draining the queue.
func BenchmarkParallelWorkers(b *testing.B) {
	q := New(Config[string]{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, sd := q.Get()
				if sd {
					return
				}
				q.Done(k)
			}
		}()
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			q.Add(strconv.Itoa(i % 1000))
			i++
		}
	})
	q.ShutDownWithDrain()
	wg.Wait()
}
