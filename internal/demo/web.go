package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"
)

// flakyWeb serves /health on 127.0.0.1:port: healthy for twelve seconds
// after each start, then failing with 500, like a service that leaks a
// resource. httpok restarts it, and it is healthy again for a while.
func flakyWeb(ctx context.Context, port string) int {
	started := time.Now()
	mux := http.NewServeMux()
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		if time.Since(started) < 12*time.Second {
			fmt.Fprintln(w, "ok")
			return
		}
		http.Error(w, "database connection pool exhausted", http.StatusInternalServerError)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	var l net.Listener
	var err error
	// A restart can find the previous process's socket still closing.
	for i := 0; i < 50; i++ {
		if l, err = net.Listen("tcp", "127.0.0.1:"+port); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		fmt.Println("web:", err)
		return 1
	}
	fmt.Println("web: serving http://127.0.0.1:" + port + "/health")
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(l); err != http.ErrServerClosed {
		fmt.Println("web:", err)
		return 1
	}
	return 0
}
