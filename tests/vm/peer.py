#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The far end of the test guest's hang port: a wire that can stop taking frames on command.

QEMU gives one virtio-net port of the guest a `-netdev stream` backend connected to NET (a
unix socket this program listens on): every frame the guest sends arrives here as a 4-byte
big-endian length and the frame, and frames written back the same way reach the guest. While
this program stops reading, QEMU cannot hand the guest's frames on, the guest's transmit ring
fills, and the guest kernel's own transmit watchdog fires: a real transmit hang.

Frames: the peer is one host at 02:6e:67:00:00:01: 192.0.2.1 untagged (TEST-NET-1), and
198.51.100.1 (TEST-NET-2) on any 802.1Q VLAN, answering with the request's tag. It answers ARP
requests for that address and ICMP echo requests to it (unfragmented ones), so the guest can
show that traffic flows, stops and flows again. Everything else is counted and dropped.
Nothing leaves this process: no host interface, no other socket.

A stall is not the only way a wire fails: DROP keeps reading every frame and answers none,
as a switch port or a far NIC that swallows traffic does. The guest's transmit ring drains,
its link stays up, and its kernel has nothing to report: a hang only a probe can see.

Control: CTL (a unix socket; QEMU connects a virtio-serial port of the guest to it, named
org.nicguard.peer) takes one command a line and answers one line:
    STALL SECONDS   stop reading frames now, for SECONDS (1-600), then read again by itself
                    -> OK stalled SECONDS
    DROP SECONDS    read every frame but answer none, for SECONDS (1-600) -> OK dropping SECONDS
    RESUME          read and answer frames again now -> OK resumed (also when neither was on)
    STATS           -> OK rx=N tx=N arp=N icmp=N stalls=N stalled=yes|no dropped=N
                       dropping=yes|no
    anything else   -> ERR what was wrong
The same lines, with times, go to the log (--log) for the host's report.

usage: peer.py --net SOCKET --ctl SOCKET [--log FILE]
Exits when QEMU closes the frame connection, on SIGTERM, or after --lifetime seconds.
"""

import argparse
import os
import selectors
import signal
import socket
import struct
import sys
import time

PEER_IP = bytes([192, 0, 2, 1])
PEER_IP_VLAN = bytes([198, 51, 100, 1])
ETH_VLAN = 0x8100
PEER_MAC = bytes([0x02, 0x6E, 0x67, 0x00, 0x00, 0x01])
ETH_ARP = 0x0806
ETH_IP = 0x0800
MAX_FRAME = 65536 + 14
MAX_STALL = 600


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def arp_reply(frame, peer_ip):
    """The reply to an ARP request for peer_ip, or None."""
    if len(frame) < 42:
        return None
    htype, ptype, hlen, plen, op = struct.unpack("!HHBBH", frame[14:22])
    sha, spa, tpa = frame[22:28], frame[28:32], frame[38:42]
    if (htype, ptype, hlen, plen, op) != (1, ETH_IP, 6, 4, 1) or tpa != peer_ip:
        return None
    arp = struct.pack("!HHBBH", 1, ETH_IP, 6, 4, 2) + PEER_MAC + peer_ip + sha + spa
    return sha + PEER_MAC + struct.pack("!H", ETH_ARP) + arp


def icmp_reply(frame, peer_ip):
    """The echo reply to an unfragmented ICMP echo request to peer_ip, or None."""
    ip = frame[14:]
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return None
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack("!H", ip[2:4])[0]
    frag = struct.unpack("!H", ip[6:8])[0]
    if ip[9] != 1 or ip[16:20] != peer_ip or frag & 0x3FFF or total > len(ip) or ihl < 20:
        return None
    icmp = bytearray(ip[ihl:total])
    if len(icmp) < 8 or icmp[0] != 8:
        return None
    icmp[0] = 0
    icmp[2:4] = b"\0\0"
    icmp[2:4] = struct.pack("!H", checksum(bytes(icmp)))
    hdr = bytearray(ip[:ihl])
    hdr[8] = 64
    hdr[12:16], hdr[16:20] = ip[16:20], ip[12:16]
    hdr[10:12] = b"\0\0"
    hdr[10:12] = struct.pack("!H", checksum(bytes(hdr)))
    return frame[6:12] + PEER_MAC + struct.pack("!H", ETH_IP) + bytes(hdr) + bytes(icmp)


class Peer:
    def __init__(self, log):
        self.log = log
        self.net = None
        self.ctl = None
        self.inbuf = b""
        self.ctlbuf = b""
        self.stalled_until = 0.0
        self.dropping_until = 0.0
        self.stats = dict(rx=0, tx=0, arp=0, icmp=0, stalls=0, dropped=0)

    def say(self, text):
        self.log.write("%.3f %s\n" % (time.monotonic(), text))
        self.log.flush()

    def stalled(self):
        return time.monotonic() < self.stalled_until

    def dropping(self):
        return time.monotonic() < self.dropping_until

    def frames(self, data):
        self.inbuf += data
        while len(self.inbuf) >= 4:
            n = struct.unpack("!I", self.inbuf[:4])[0]
            if n > MAX_FRAME:
                raise ValueError("frame of %d bytes: not a QEMU stream" % n)
            if len(self.inbuf) < 4 + n:
                return
            frame, self.inbuf = self.inbuf[4:4 + n], self.inbuf[4 + n:]
            self.stats["rx"] += 1
            if self.dropping():
                self.stats["dropped"] += 1
            else:
                self.answer(frame)

    def answer(self, frame):
        if len(frame) < 14:
            return
        kind = struct.unpack("!H", frame[12:14])[0]
        tag, peer_ip = b"", PEER_IP
        if kind == ETH_VLAN and len(frame) >= 18:
            # Answered as untagged, then tagged again with the request's TPID and TCI.
            tag, peer_ip = frame[12:16], PEER_IP_VLAN
            frame = frame[:12] + frame[16:]
            kind = struct.unpack("!H", frame[12:14])[0]
        reply = None
        if kind == ETH_ARP:
            reply = arp_reply(frame, peer_ip)
            self.stats["arp"] += reply is not None
        elif kind == ETH_IP:
            reply = icmp_reply(frame, peer_ip)
            self.stats["icmp"] += reply is not None
        if reply is None:
            return
        reply = (reply[:12] + tag + reply[12:]).ljust(60, b"\0")
        self.net.sendall(struct.pack("!I", len(reply)) + reply)
        self.stats["tx"] += 1

    def command(self, line):
        words = line.split()
        if len(words) == 2 and words[0] == "STALL" and words[1].isdigit() \
                and 1 <= int(words[1]) <= MAX_STALL:
            self.stalled_until = time.monotonic() + int(words[1])
            self.stats["stalls"] += 1
            return "OK stalled %s" % words[1]
        if len(words) == 2 and words[0] == "DROP" and words[1].isdigit() \
                and 1 <= int(words[1]) <= MAX_STALL:
            self.dropping_until = time.monotonic() + int(words[1])
            return "OK dropping %s" % words[1]
        if words == ["RESUME"]:
            self.stalled_until = 0.0
            self.dropping_until = 0.0
            return "OK resumed"
        if words == ["STATS"]:
            s = self.stats
            return "OK rx=%d tx=%d arp=%d icmp=%d stalls=%d stalled=%s dropped=%d dropping=%s" % (
                s["rx"], s["tx"], s["arp"], s["icmp"], s["stalls"],
                "yes" if self.stalled() else "no", s["dropped"],
                "yes" if self.dropping() else "no")
        if words[:1] in (["STALL"], ["DROP"]):
            return "ERR %s takes whole seconds, 1 to %d" % (words[0], MAX_STALL)
        return "ERR unknown command (STALL SECONDS, DROP SECONDS, RESUME, STATS): %r" % line[:80]

    def control(self, data):
        self.ctlbuf += data
        while b"\n" in self.ctlbuf:
            raw, self.ctlbuf = self.ctlbuf.split(b"\n", 1)
            line = raw.decode("ascii", "replace").strip()
            if not line:
                continue
            ans = self.command(line)
            self.say("ctl %s -> %s" % (line, ans))
            self.ctl.sendall(ans.encode() + b"\n")
        if len(self.ctlbuf) > 4096:
            self.ctlbuf = b""


def listen(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.listen(1)
    return s


def run(args):
    log = open(args.log, "a") if args.log else sys.stderr
    peer = Peer(log)
    sel = selectors.DefaultSelector()
    lnet, lctl = listen(args.net), listen(args.ctl)
    sel.register(lnet, selectors.EVENT_READ, "accept-net")
    sel.register(lctl, selectors.EVENT_READ, "accept-ctl")
    peer.say("listening: net %s, ctl %s" % (args.net, args.ctl))
    if args.ready:
        with open(args.ready, "w") as f:
            f.write("%d\n" % os.getpid())
    deadline = time.monotonic() + args.lifetime
    reading = False  # is the frame connection registered for reading?
    was_stalled = was_dropping = False
    while time.monotonic() < deadline:
        stalled, dropping = peer.stalled(), peer.dropping()
        if stalled != was_stalled:
            peer.say("frames: %s" % ("stalled" if stalled else "read again"))
            was_stalled = stalled
        if dropping != was_dropping:
            peer.say("frames: %s" % ("dropped unanswered" if dropping else "answered again"))
            was_dropping = dropping
        want = peer.net is not None and not stalled
        if want != reading:
            (sel.register if want else sel.unregister)(peer.net, *(
                (selectors.EVENT_READ, "net") if want else ()))
            reading = want
        for key, _ in sel.select(timeout=0.2):
            what = key.data
            if what.startswith("accept-"):
                conn, _ = key.fileobj.accept()
                if what == "accept-net" and peer.net is None:
                    peer.net = conn
                elif what == "accept-ctl" and peer.ctl is None:
                    peer.ctl = conn
                    sel.register(conn, selectors.EVENT_READ, "ctl")
                else:
                    conn.close()
                    continue
                peer.say("connected: %s" % what[7:])
                continue
            data = key.fileobj.recv(1 << 16)
            if not data:
                peer.say("closed: %s; %s" % (what, peer.command("STATS")))
                if what == "net":
                    return 0
                sel.unregister(peer.ctl)
                peer.ctl.close()
                peer.ctl = None
                continue
            if what == "net":
                peer.frames(data)
            else:
                peer.control(data)
    peer.say("lifetime of %d s over; %s" % (args.lifetime, peer.command("STATS")))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--net", required=True, help="unix socket for QEMU's -netdev stream")
    p.add_argument("--ctl", required=True, help="unix socket for the guest's control port")
    p.add_argument("--log", help="append events here (default: stderr)")
    p.add_argument("--ready", help="write the pid here once both sockets listen")
    p.add_argument("--lifetime", type=int, default=3600, help="exit after this many seconds")
    args = p.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
