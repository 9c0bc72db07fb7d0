package app_test

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/wharfhq/wharf/flannel/internal/netnstest"
)

// ping sends one ICMP echo from a raw socket inside ns to dst and waits up
// to timeout for the reply.
func ping(ns *netnstest.NS, dst netip.Addr, timeout time.Duration) error {
	var conn *icmp.PacketConn
	err := ns.Do(func() (err error) {
		conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	})
	if err != nil {
		return fmt.Errorf("icmp socket in %s: %w", ns.Name, err)
	}
	defer conn.Close()
	id := os.Getpid() & 0xffff
	msg := icmp.Message{Type: ipv4.ICMPTypeEcho, Body: &icmp.Echo{ID: id, Seq: 1, Data: []byte("wharf")}}
	b, _ := msg.Marshal(nil)
	if _, err := conn.WriteTo(b, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		return fmt.Errorf("ping %s: %w", dst, err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(timeout))
	buf := make([]byte, 1500)
	for {
		n, peer, err := conn.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("ping %s: %w", dst, err)
		}
		reply, err := icmp.ParseMessage(1, buf[:n])
		if err != nil || reply.Type != ipv4.ICMPTypeEchoReply || peer.String() != dst.String() {
			continue
		}
		return nil
	}
}

// listen opens a listener of network ("tcp"/"udp") inside ns.
func listenIn(ns *netnstest.NS, network string, addr netip.Addr) (io.Closer, string, error) {
	var c io.Closer
	var a string
	err := ns.Do(func() error {
		if network == "udp" {
			pc, err := net.ListenPacket("udp4", net.JoinHostPort(addr.String(), "0"))
			if err != nil {
				return err
			}
			c, a = pc, pc.LocalAddr().String()
			return nil
		}
		ln, err := net.Listen("tcp4", net.JoinHostPort(addr.String(), "0"))
		if err != nil {
			return err
		}
		c, a = ln, ln.Addr().String()
		return nil
	})
	return c, a, err
}

func dialIn(ns *netnstest.NS, network, addr string) (net.Conn, error) {
	var conn net.Conn
	err := ns.Do(func() (err error) {
		conn, err = net.DialTimeout(network, addr, 2*time.Second)
		return err
	})
	return conn, err
}

// serveEcho echoes every TCP connection on ln line by line.
func serveEcho(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			_, _ = io.Copy(c, c)
		}()
	}
}

// tcpEcho sends one line over a fresh connection from src to addr and checks the echo.
func tcpEcho(src *netnstest.NS, addr string) error {
	c, err := dialIn(src, "tcp4", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("hello over flannel.1\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || line != "hello over flannel.1\n" {
		return fmt.Errorf("echo = %q, %v", line, err)
	}
	return nil
}

// stream keeps one TCP echo connection and one UDP sequence stream busy
// from a pod to another until stop; it counts what went through.
type stream struct {
	stopped    atomic.Bool
	wg         sync.WaitGroup
	tcpBytes   atomic.Int64
	tcpErr     error
	udpSent    atomic.Int64
	udpGot     atomic.Int64
	udpMissing []uint64
}

func startStream(src *netnstest.NS, tcpAddr string, udpConn net.PacketConn, udpAddr string) (*stream, error) {
	s := &stream{}
	tc, err := dialIn(src, "tcp4", tcpAddr)
	if err != nil {
		return nil, err
	}
	uc, err := dialIn(src, "udp4", udpAddr)
	if err != nil {
		tc.Close()
		return nil, err
	}
	s.wg.Add(3)
	go s.tcp(tc)
	go s.udpSend(uc)
	go s.udpRecv(udpConn)
	return s, nil
}

func (s *stream) tcp(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	r := bufio.NewReader(c)
	for i := 0; !s.stopped.Load(); i++ {
		line := fmt.Sprintf("line %d %s\n", i, string(make([]byte, 64)))
		_ = c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte(line)); err != nil {
			s.tcpErr = err
			return
		}
		got, err := r.ReadString('\n')
		if err != nil || got != line {
			s.tcpErr = fmt.Errorf("line %d: echo %q, %v", i, got, err)
			return
		}
		s.tcpBytes.Add(int64(len(line)))
		time.Sleep(time.Millisecond)
	}
}

func (s *stream) udpSend(c net.Conn) {
	defer s.wg.Done()
	defer c.Close()
	var buf [8]byte
	for seq := uint64(0); !s.stopped.Load(); seq++ {
		binary.BigEndian.PutUint64(buf[:], seq)
		if _, err := c.Write(buf[:]); err == nil {
			s.udpSent.Add(1)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// udpRecv counts datagrams until a quiet second after stop.
func (s *stream) udpRecv(pc net.PacketConn) {
	defer s.wg.Done()
	seen := map[uint64]bool{}
	buf := make([]byte, 64)
	for {
		_ = pc.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := pc.ReadFrom(buf)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			if s.stopped.Load() {
				break
			}
			continue
		}
		if err != nil {
			break
		}
		if n == 8 {
			seen[binary.BigEndian.Uint64(buf[:8])] = true
			s.udpGot.Add(1)
		}
	}
	for seq := uint64(0); seq < uint64(s.udpSent.Load()); seq++ {
		if !seen[seq] {
			s.udpMissing = append(s.udpMissing, seq)
		}
	}
}

func (s *stream) stop() {
	s.stopped.Store(true)
	s.wg.Wait()
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
