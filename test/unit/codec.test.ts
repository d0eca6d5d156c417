/** The codecs that mirror abi.h: round trips and the byte order of each field. */
import { describe, expect, it } from 'vitest';
import { Config, EpValue, IfState, Route, RouteKey } from '../../src/dataplane/abi.js';
import { decode, encode, mac } from '../../src/dataplane/codec.js';

describe('codecs', () => {
  it('endpoint values round-trip with host-order integers and raw MAC bytes', () => {
    const v = { ifindex: 0x01020304, flags: 1, mac: '02:00:00:00:00:0a' };
    const bytes = encode(EpValue, v);
    expect(Array.from(bytes)).toEqual([4, 3, 2, 1, 1, 0, 0, 0, 2, 0, 0, 0, 0, 10, 0, 0]);
    expect(decode(EpValue, bytes)).toEqual(v);
  });

  it('route keys put the prefix length first (LPM) and the address in network order', () => {
    expect(Array.from(encode(RouteKey, { prefixLen: 26, addr: '10.24.2.0' }))).toEqual([26, 0, 0, 0, 10, 24, 2, 0]);
    const r = { type: 3, flags: 5, nextHop: '192.168.1.12', ifindex: 0 };
    expect(decode(Route, encode(Route, r))).toEqual(r);
  });

  it('the program config round-trips every field', () => {
    const c = { flags: 0, hostIp: '192.168.1.11', uplinkIfindex: 2, uplinkMtu: 1500, uplinkMac: 'aa:bb:cc:dd:ee:ff', vtepMac: '66:2d:bf:44:a6:8b', vxlanVni: 4096, vxlanPort: 4789 };
    expect(encode(Config, c).length).toBe(36);
    expect(decode(Config, encode(Config, c))).toEqual(c);
  });

  it('C strings are NUL padded and bounded', () => {
    expect(decode(IfState, encode(IfState, { flags: 1, name: 'cali12345678901' }))).toEqual({ flags: 1, name: 'cali12345678901' });
    expect(() => encode(IfState, { flags: 1, name: 'x'.repeat(16) })).toThrow(/at most 15/);
  });

  it('bad input is a clear error, not a wrong byte', () => {
    expect(() => encode(RouteKey, { prefixLen: 8, addr: '10.0.0.256' })).toThrow(/IPv4 address/);
    expect(() => encode(mac, 'ee:ee:ee')).toThrow(/MAC address/);
    for (const bad of ['10.0.0', '10.0.0.1.2', '010.0.0.1', ' 10.0.0.1', '10.0.0.1/32', '']) {
      expect(() => encode(RouteKey, { prefixLen: 32, addr: bad }), bad).toThrow(/IPv4 address/);
    }
    for (const bad of ['ee-ee-ee-ee-ee-ee', 'ee:ee:ee:ee:ee:eg', 'ee:ee:ee:ee:ee:ee:', 'eee:ee:ee:ee:ee:e']) {
      expect(() => encode(mac, bad), bad).toThrow(/MAC address/);
    }
  });

  it('addresses are written in network order, MACs in either case', () => {
    expect([...encode(RouteKey, { prefixLen: 26, addr: '10.1.255.192' }).slice(4)]).toEqual([10, 1, 255, 192]);
    expect(decode(RouteKey, encode(RouteKey, { prefixLen: 26, addr: '192.168.0.1' }))).toEqual({ prefixLen: 26, addr: '192.168.0.1' });
    expect([...encode(mac, 'Ee:0A:fF:00:9b:C1')]).toEqual([0xee, 0x0a, 0xff, 0x00, 0x9b, 0xc1]);
  });
});
