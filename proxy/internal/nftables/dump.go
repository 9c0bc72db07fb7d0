package nftables

import (
	"encoding/binary"
	"errors"
	"fmt"
	"syscall"

	"github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// keyDumper lists the keys of sets one netlink datagram at a time into
// one reused buffer. google/nftables' GetSetElements keeps every reply
// and decodes every element into a SetElement first: for the 50k hairpin
// elements of 10k services about 20 MiB at once, the peak of a restart.
type keyDumper struct {
	conn *netlink.Conn
	raw  syscall.RawConn
	buf  []byte
}

func newKeyDumper(netns int) (*keyDumper, error) {
	c, err := netlink.Dial(unix.NETLINK_NETFILTER, &netlink.Config{NetNS: netns})
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	raw, err := c.SyscallConn()
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return &keyDumper{conn: c, raw: raw, buf: make([]byte, 64<<10)}, nil
}

func (d *keyDumper) Close() error { return d.conn.Close() }

// keys calls fn with the key of every element of set in table (family
// ip); key is valid only during the call.
func (d *keyDumper) keys(table, set string, fn func(key []byte)) error {
	attrs, err := netlink.MarshalAttributes([]netlink.Attribute{
		{Type: unix.NFTA_SET_ELEM_LIST_TABLE, Data: []byte(table + "\x00")},
		{Type: unix.NFTA_SET_ELEM_LIST_SET, Data: []byte(set + "\x00")},
	})
	if err != nil {
		return err
	}
	req := netlink.Message{
		Header: netlink.Header{Type: netlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8 | unix.NFT_MSG_GETSETELEM),
			Flags: netlink.Request | netlink.Dump},
		Data: append([]byte{unix.NFPROTO_IPV4, unix.NFNETLINK_V0, 0, 0}, attrs...),
	}
	if _, err := d.conn.Send(req); err != nil {
		return fmt.Errorf("dump set %s: %w", set, err)
	}
	for {
		msgs, err := d.recv()
		if err != nil {
			return fmt.Errorf("dump set %s: %w", set, err)
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
						return fmt.Errorf("dump set %s: %w", set, syscall.Errno(-code))
					}
				}
				return nil
			}
			if len(m.Data) < 4 {
				continue
			}
			if err := elementKeys(m.Data[4:], fn); err != nil {
				return fmt.Errorf("dump set %s: %w", set, err)
			}
		}
	}
}

// recv reads one datagram into d.buf and splits it into messages, whose
// data alias d.buf.
func (d *keyDumper) recv() ([]syscall.NetlinkMessage, error) {
	var n int
	var rerr error
	err := d.raw.Read(func(fd uintptr) bool {
		n, _, rerr = unix.Recvfrom(int(fd), d.buf, unix.MSG_TRUNC)
		return rerr != unix.EAGAIN
	})
	if err = errors.Join(err, rerr); err != nil {
		return nil, err
	}
	if n > len(d.buf) { // MSG_TRUNC: n is the datagram's length
		return nil, fmt.Errorf("netlink datagram of %d bytes exceeds the buffer of %d", n, len(d.buf))
	}
	return syscall.ParseNetlinkMessage(d.buf[:n])
}

// elementKeys calls fn with the keys of a NFT_MSG_NEWSETELEM message's
// attributes: ELEMENTS { LIST_ELEM { KEY { DATA_VALUE } } ... }.
func elementKeys(b []byte, fn func([]byte)) error {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return err
	}
	for ad.Next() {
		if ad.Type() != unix.NFTA_SET_ELEM_LIST_ELEMENTS {
			continue
		}
		ad.Nested(func(list *netlink.AttributeDecoder) error {
			for list.Next() {
				list.Nested(func(el *netlink.AttributeDecoder) error {
					for el.Next() {
						if el.Type() == unix.NFTA_SET_ELEM_KEY {
							el.Nested(func(k *netlink.AttributeDecoder) error {
								for k.Next() {
									if k.Type() == unix.NFTA_DATA_VALUE {
										fn(k.Bytes())
									}
								}
								return nil
							})
						}
					}
					return nil
				})
			}
			return nil
		})
	}
	return ad.Err()
}
