package dev.jovl.driver.dns;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A minimal stub resolver for tests: builds queries, sends them, decodes the replies. */
final class DnsTestClient {

    record Answer(String name, int type, long ttl, byte[] data) {}

    record Reply(int id, int flags, int rcode, List<Answer> answers, int additionals, byte[] raw) {
        boolean truncated() {
            return (flags & DnsWire.FLAG_TC) != 0;
        }

        boolean authoritative() {
            return (flags & DnsWire.FLAG_AA) != 0;
        }
    }

    private DnsTestClient() {}

    static byte[] query(int id, String name, int type, boolean edns) {
        return DnsWire.query(id, name, type, edns);
    }

    static Reply udp(InetSocketAddress server, byte[] query) throws IOException {
        return udp(server, query, 10_000);
    }

    static Reply udp(InetSocketAddress server, byte[] query, int timeoutMillis) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(timeoutMillis);
            socket.send(new DatagramPacket(query, query.length, server));
            byte[] buffer = new byte[65535];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            socket.receive(packet);
            return decode(Arrays.copyOf(buffer, packet.getLength()));
        }
    }

    static Reply tcp(InetSocketAddress server, byte[] query) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, 5000);
            socket.setSoTimeout(10_000);
            byte[] framed = new byte[query.length + 2];
            DnsWire.put16(framed, 0, query.length);
            System.arraycopy(query, 0, framed, 2, query.length);
            socket.getOutputStream().write(framed);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            return decode(in.readNBytes(length));
        }
    }

    static Reply decode(byte[] msg) throws IOException {
        try {
            int flags = DnsWire.u16(msg, 2);
            int qd = DnsWire.u16(msg, 4);
            int an = DnsWire.u16(msg, 6);
            int ns = DnsWire.u16(msg, 8);
            int ar = DnsWire.u16(msg, 10);
            int pos = DnsWire.HEADER_BYTES;
            for (int i = 0; i < qd; i++) {
                pos = DnsWire.readName(msg, msg.length, pos).end() + 4;
            }
            List<Answer> answers = new ArrayList<>();
            for (int i = 0; i < an; i++) {
                DnsWire.ResourceRecord r = DnsWire.readRecord(msg, msg.length, pos);
                answers.add(new Answer(r.name(), r.type(), r.ttl(), r.data()));
                pos = r.end();
            }
            for (int i = 0; i < ns + ar; i++) {
                pos = DnsWire.skipRecord(msg, msg.length, pos);
            }
            if (pos != msg.length) {
                throw new IOException("trailing bytes in reply");
            }
            return new Reply(DnsWire.u16(msg, 0), flags, flags & DnsWire.RCODE_MASK, answers, ar, msg);
        } catch (DnsFormatException e) {
            throw new IOException(e);
        }
    }
}
