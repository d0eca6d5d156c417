/** The TS codecs must match bpf/include/abi.h as compiled: sizes and offsets from the object's BTF. */
import { describe, expect, it } from 'vitest';
import { native } from '../../src/native/index.js';
import { Config, EpKey, EpValue, FwdEntry, FwdKey, IfState, NatCtKey, NatCtValue, NatKey, NatValue, Neigh, NeighKey, Route, RouteKey, TestRec } from '../../src/dataplane/abi.js';
import type { Codec, StructCodec } from '../../src/dataplane/codec.js';
import { objectPath } from '../../src/dataplane/object-path.js';
import { SKB_CTX_SIZE, SKB_IFINDEX_OFFSET } from '../helpers/bpf.js';

const camel = (name: string) => name.replace(/(?<=[a-z0-9])_([a-z])/g, (_, c: string) => c.toUpperCase());

const STRUCTS: Array<[string, StructCodec<Record<string, Codec<unknown>>>, 'tortie' | 'tortie_test']> = [
  ['tt_ep_key', EpKey as never, 'tortie'],
  ['tt_ep_value', EpValue as never, 'tortie'],
  ['tt_ifstate', IfState as never, 'tortie'],
  ['tt_config', Config as never, 'tortie'],
  ['tt_route_key', RouteKey as never, 'tortie'],
  ['tt_route', Route as never, 'tortie'],
  ['tt_neigh_key', NeighKey as never, 'tortie'],
  ['tt_neigh', Neigh as never, 'tortie'],
  ['tt_nat_key', NatKey as never, 'tortie'],
  ['tt_nat_value', NatValue as never, 'tortie'],
  ['tt_nat_ct_key', NatCtKey as never, 'tortie'],
  ['tt_nat_ct_value', NatCtValue as never, 'tortie'],
  ['tt_fwd_key', FwdKey as never, 'tortie'],
  ['tt_fwd_entry', FwdEntry as never, 'tortie'],
  ['tt_test_rec', TestRec as never, 'tortie_test'],
];

describe('abi.h layout', () => {
  for (const [name, codec, variant] of STRUCTS) {
    it(`${name}: size and field offsets match the BTF`, () => {
      const btf = native.btfStruct(objectPath(variant), name);
      expect(btf, `${name} not found in the BTF of ${variant}.o`).not.toBeNull();
      expect(codec.size).toBe(btf!.size);
      const btfFields = btf!.members.map((m) => ({ name: camel(m.name), offset: m.bitOffset / 8, size: m.size }));
      const tsFields = Object.entries(codec.fields).map(([field, c]) => ({ name: field, offset: codec.offsets[field], size: c.size }));
      expect(tsFields).toEqual(btfFields);
    });
  }

  it('the __sk_buff context offsets the test harness uses', () => {
    const skb = native.btfStruct(objectPath('tortie'), '__sk_buff');
    expect(skb?.size).toBe(SKB_CTX_SIZE);
    expect(skb?.members.find((m) => m.name === 'ifindex')?.bitOffset).toBe(SKB_IFINDEX_OFFSET * 8);
  });
});
