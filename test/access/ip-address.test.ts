/**
 * IPv6 parsing and key arithmetic against ipaddr.js and BigInt, for any address written in any
 * of its textual forms.
 */
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import t from 'tap'
import { formatAddress, nextV6, parseAddress, parseV6, prefixV6, V6_END } from '../../src/access/ip-address.js'

const groupsArb = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })

function keyOf (groups: readonly number[]): string {
  return groups.map((g) => g.toString(16).padStart(4, '0')).join('')
}

function forms (groups: number[]): string[] {
  const address = new ipaddr.IPv6(groups)
  const v4 = `${groups[6]! >> 8}.${groups[6]! & 255}.${groups[7]! >> 8}.${groups[7]! & 255}`
  const compressed = address.toRFC5952String()
  return [
    compressed,
    compressed.toUpperCase(),
    address.toNormalizedString(),
    groups.map((g) => g.toString(16).padStart(4, '0')).join(':'),
    `${groups.slice(0, 6).map((g) => g.toString(16)).join(':')}:${v4}`,
    // The compressed form with its last two groups written as IPv4, where that is still valid.
    ...(/:[0-9a-f]{1,4}:[0-9a-f]{1,4}$/.test(compressed) ? [compressed.replace(/[0-9a-f]{1,4}:[0-9a-f]{1,4}$/, v4)] : [])
  ]
}

t.test('reads every textual form of an IPv6 address as the same key', async () => {
  fc.assert(fc.property(groupsArb, (groups) => forms(groups).every((text) => parseV6(text) === keyOf(groups))), { numRuns: 2000 })
})

t.test('refuses what is not an IPv6 address', async (t) => {
  const bad = ['', ':', ':::', '1:2', '1:2:3:4:5:6:7:8:9', '1::2::3', '12345::', 'g::', '::1:', '1:2:3:4:5:6:7::8:9',
    '1.2.3.4::', '::1.2.3.4:5', '::1.2.3', '::256.1.1.1', '1:2:3:4:5:6:7:1.2.3.4', '1:2:3:4:5:6:1.2.3.4:8', ' ::1', '::1 ',
    '[::1]', 'fe80::1%eth0', '0x1::', '-1::', '+1::']
  for (const text of bad) t.equal(parseV6(text), undefined, JSON.stringify(text))
  t.equal(parseV6('1:2:3:4:5:6:7::'), keyOf([1, 2, 3, 4, 5, 6, 7, 0]), 'a gap may stand for a single group')
  t.same(parseAddress('::ffff:1.2.3.4'), { family: 4, value: 0x01020304 })
})

t.test('writes an IPv6 address in RFC 5952 form, as ipaddr.js does', async (t) => {
  const cases: Array<[number[], string]> = [
    [[0, 0, 0, 0, 0, 0, 0, 0], '::'],
    [[0, 0, 0, 0, 0, 0, 0, 1], '::1'],
    [[1, 0, 0, 0, 0, 0, 0, 0], '1::'],
    [[1, 0, 2, 3, 4, 5, 6, 7], '1:0:2:3:4:5:6:7'],
    [[1, 0, 0, 1, 0, 0, 0, 1], '1:0:0:1::1'],
    [[1, 0, 0, 1, 1, 0, 0, 1], '1::1:1:0:0:1'],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0xabcd, 0xef], '2001:db8::abcd:ef']
  ]
  for (const [groups, text] of cases) t.equal(formatAddress({ family: 6, value: keyOf(groups) }), text, text)
  fc.assert(fc.property(groupsArb, (groups) => formatAddress({ family: 6, value: keyOf(groups) }) === new ipaddr.IPv6(groups).toString()), { numRuns: 2000 })
})

t.test('steps to the next key and spans a prefix as BigInt arithmetic does', async () => {
  const big = (key: string): bigint => BigInt(`0x${key}`)
  const key = (value: bigint): string => value.toString(16).padStart(32, '0')
  fc.assert(fc.property(groupsArb, fc.integer({ min: 0, max: 128 }), (groups, bits) => {
    const k = keyOf(groups)
    const host = BigInt(128 - bits)
    const lo = (big(k) >> host) << host
    const span = prefixV6(k, bits)
    const next = big(k) === (1n << 128n) - 1n ? V6_END : key(big(k) + 1n)
    return nextV6(k) === next && span.lo === key(lo) && span.hi === key(lo + (1n << host) - 1n)
  }), { numRuns: 2000 })
})
