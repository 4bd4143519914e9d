package db

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestBarrierReleasesEachRoundOnlyWhenAllArrive(t *testing.T) {
	b := NewBarrier(3)
	var arrived sync.WaitGroup
	done := make(chan error, 3)
	for range 2 {
		arrived.Add(1)
		go func() { arrived.Done(); done <- b.Wait(context.Background()) }()
	}
	arrived.Wait()
	select {
	case err := <-done:
		t.Fatalf("a party passed with 2 of 3 there: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// The next round starts empty: one party alone waits until ctx ends.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a lone party in round two got %v, want the deadline", err)
	}
}

func TestBarrierBrokenByAFailureReleasesEveryWaiterWithTheCause(t *testing.T) {
	b := NewBarrier(3)
	done := make(chan error, 2)
	for range 2 {
		go func() { done <- b.Wait(context.Background()) }()
	}
	cause := errors.New("n2 could not start")
	b.Fail(cause)
	b.Fail(errors.New("a later failure is not the cause"))
	for range 2 {
		err := <-done
		var bb *BrokenBarrierError
		if !errors.As(err, &bb) || bb.Cause != cause {
			t.Fatalf("a waiter got %v, want a BrokenBarrierError caused by %v", err, cause)
		}
	}
	if err := b.Wait(context.Background()); err == nil {
		t.Fatal("Wait on a broken barrier passed")
	}
}
