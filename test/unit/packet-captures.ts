/**
 * Frames captured byte for byte with `tcpdump -w` (dumped as hex), as known-good vectors for the
 * packet toolkit. Everything ran inside throwaway namespaces named tt-pkt-<random>, deleted after:
 *
 * - LO_*: `ping -c 1 -s 24 -p a5 127.0.0.1` on the namespace's lo (loopback frames have zero MACs).
 * - VETH_*: two namespaces A (10.7.0.1, 02:00:00:00:00:0a) and B (10.7.0.2, 02:00:00:00:00:0b)
 *   joined by a veth with `ethtool -K tx off`, so Linux wrote full TCP/UDP checksums in software
 *   (lo's checksum offload is fixed on, which leaves only the pseudo-header sum there). Captured
 *   on A's end. net.ipv4.tcp_timestamps=0, so data segments carry no TCP options.
 *   - UDP: `echo -n hello-tortie > /dev/udp/10.7.0.2/5555`; B answered port unreachable.
 *   - TCP: python connect/send "hello tortie" to 10.7.0.2:7000.
 *   - Frag needed: `ping -M do -s 1100 -p 5a 10.6.0.5` via B, which forwards 10.6.0.0/24 over a
 *     1000-byte-MTU link. The reply quotes the first 548 bytes of the 1128-byte request.
 *   - VXLAN: a vxlan device (id 4242, dstport 4789, MAC 02:00:00:00:00:01) on A, pinging 10.8.0.2
 *     (neighbour 02:00:00:00:00:02); once with `noudpcsum`, once with the default UDP checksum.
 *   - IPIP: no ipip module on this kernel, so the outer header came from a raw IPPROTO_IPIP socket
 *     sending the kernel-built inner packet of the checksummed VXLAN capture.
 */
import { concat, fromHex } from '../helpers/packet.js';

export const LO_ICMP_ECHO_REQUEST = fromHex(
  '000000000000 000000000000 0800 450000342cc14000400110067f0000017f000001 08006d2e9d8d0001 d7fe036b000000007742040000000000 a5a5a5a5a5a5a5a5',
);
export const LO_ICMP_ECHO_REPLY = fromHex(
  '000000000000 000000000000 0800 450000342cc20000400150057f0000017f000001 0000752e9d8d0001 d7fe036b000000007742040000000000 a5a5a5a5a5a5a5a5',
);
/** both replies carry the request's 16-byte timestamp then the -p pattern */
export const LO_ECHO_DATA = fromHex('d7fe036b000000007742040000000000 a5a5a5a5a5a5a5a5');

export const VETH_UDP = fromHex(
  '02000000000b 02000000000a 0800 450000286a8740004011bc2d0a0700010a070002 9b6815b30014a651 68656c6c6f2d746f72746965',
);
export const VETH_ICMP_PORT_UNREACHABLE = fromHex(
  '02000000000a 02000000000b 0800 45c00044f703000040016ee50a0700020a070001 0303113300000000' +
    '450000286a8740004011bc2d0a0700010a070002 9b6815b30014a651 68656c6c6f2d746f72746965',
);

export const VETH_TCP_SYN = fromHex(
  '02000000000b 02000000000a 0800 45000034c7da400040065ed90a0700010a070002' +
    'e6441b58 6143e3ff 00000000 8002 faf0 192d 0000 020405b4 01 01 0402 01 03030a',
);
export const VETH_TCP_SYN_ACK = fromHex(
  '02000000000a 02000000000b 0800 4500003400004000400626b40a0700020a070001' +
    '1b58e644 6a1c70d8 6143e400 8012 faf0 3e27 0000 020405b4 01 01 0402 01 03030a',
);
export const VETH_TCP_DATA = fromHex(
  '02000000000b 02000000000a 0800 45000034c7dc400040065ed70a0700010a070002' +
    'e6441b58 6143e400 6a1c70d9 5018 003f e55e 0000 68656c6c6f20746f72746965',
);

/** ping -s 1100: ICMP data is a 16-byte timestamp then 1084 bytes of the 0x5a pattern. */
export const VETH_BIG_ECHO_TIMESTAMP = fromHex('e801046b00000000af14020000000000');
export const VETH_BIG_ECHO_REQUEST = concat(
  fromHex('02000000000b 02000000000a 0800 4500046800004000400122830a0700010a060005 0800bbb5537c0001 e801046b00000000af14020000000000'),
  new Uint8Array(1084).fill(0x5a),
);
export const VETH_FRAG_NEEDED = concat(
  fromHex(
    '02000000000a 02000000000b 0800 45c00240487e000040011b6f0a0700020a070001 0304536e000003e8' +
      '4500046800004000400122830a0700010a060005 0800bbb5537c0001 e801046b00000000af14020000000000',
  ),
  new Uint8Array(504).fill(0x5a),
);

/** inner packet of both the IPIP and the checksummed VXLAN capture, built by Linux for ping 10.8.0.2 */
export const KERNEL_INNER_ECHO = fromHex('4500002c270a40004001ffb40a0800010a080002 0800539d527d0001 cf01046b0000000073770b0000000000');

export const VETH_IPIP = fromHex('02000000000b 02000000000a 0800 450000402837400040 04fe720a0700010a070002' + hexOf(KERNEL_INNER_ECHO));

export const VETH_VXLAN_UDP_CSUM = fromHex(
  '02000000000b 02000000000a 0800 4500005e7c3600004011ea480a0700010a070002 b1e012b5004a80a0 0800000000109200' +
    '020000000002 020000000001 0800' + hexOf(KERNEL_INNER_ECHO),
);
export const VETH_VXLAN_ZERO_CSUM = fromHex(
  '02000000000b 02000000000a 0800 4500005e23a80000401142d70a0700010a070002 b1e012b5004a0000 0800000000109200' +
    '020000000002 020000000001 0800 4500002cdbef400040014acf0a0800010a080002 080048f153d30001 ea01046b0000000068cd040000000000',
);

function hexOf(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
