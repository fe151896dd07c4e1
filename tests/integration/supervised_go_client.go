// A Go client for socksify's seccomp supervisor tests (Makefile: supervised_go_client): Go makes
// its own system calls and, built without cgo, resolves names with its own DNS client, so
// neither reaches an LD_PRELOAD library.
//
//	supervised_go_client -n CONNECTIONS HOST:PORT
//
// opens CONNECTIONS connections to HOST:PORT at once, one goroutine each, sends each a
// message of its own and expects it echoed; prints "peer ADDRESS" (the first connection's
// RemoteAddr, from getpeername) and "ok CONNECTIONS", or the failures on stderr (exit 1).
//
//	supervised_go_client -active HOST:PORT
//
// active FTP's data channel: connects to the control server, net.Listen on the control
// connection's local address with port 0, sends "PORT IP PORT\n" with the listener's address,
// accepts one connection and prints "announced IP PORT", the line it reads, and "peer port N".
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

func exchange(address string, index int) (string, error) {
	conn, err := net.DialTimeout("tcp4", address, 20*time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	message := fmt.Sprintf("goroutine %d says hello\n", index)
	if _, err := conn.Write([]byte(message)); err != nil {
		return "", err
	}
	reply := make([]byte, len(message))
	if _, err := io.ReadFull(conn, reply); err != nil {
		return "", err
	}
	if string(reply) != message {
		return "", fmt.Errorf("echo %q, want %q", reply, message)
	}
	return conn.RemoteAddr().String(), nil
}

func activeDataChannel(control string) error {
	ctl, err := net.DialTimeout("tcp4", control, 20*time.Second)
	if err != nil {
		return err
	}
	defer ctl.Close()
	local := ctl.LocalAddr().(*net.TCPAddr)
	ln, err := net.Listen("tcp4", net.JoinHostPort(local.IP.String(), "0"))
	if err != nil {
		return err
	}
	defer ln.Close()
	announced := ln.Addr().(*net.TCPAddr)
	if _, err := fmt.Fprintf(ctl, "PORT %s %d\n", announced.IP, announced.Port); err != nil {
		return err
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
	conn, err := ln.Accept()
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	fmt.Printf("announced %s %d\n%speer port %d\n", announced.IP, announced.Port, line,
		conn.RemoteAddr().(*net.TCPAddr).Port)
	return nil
}

func main() {
	connections := flag.Int("n", 1, "concurrent connections")
	active := flag.Bool("active", false, "active-FTP-style data channel")
	flag.Parse()
	if *active && flag.NArg() == 1 {
		if err := activeDataChannel(flag.Arg(0)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: supervised_go_client -n CONNECTIONS HOST:PORT")
		os.Exit(2)
	}
	address := flag.Arg(0)
	peers := make([]string, *connections)
	errs := make([]error, *connections)
	var wg sync.WaitGroup
	for i := 0; i < *connections; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			peers[i], errs[i] = exchange(address, i)
		}(i)
	}
	wg.Wait()
	failed := 0
	for i, err := range errs {
		if err != nil {
			fmt.Fprintf(os.Stderr, "connection %d: %v\n", i, err)
			failed++
		}
	}
	if failed > 0 {
		os.Exit(1)
	}
	fmt.Printf("peer %s\nok %d\n", peers[0], *connections)
}
