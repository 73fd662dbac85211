/**
 * The one-pass scanner of common entries against the general parser: whatever it accepts must
 * compile to exactly the spans the general parser makes, and whatever it does not know it must
 * leave alone. A leading space sends an entry to the general parser (which trims it), so
 * `entry` and ` entry` compile the same list two ways.
 */
import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import t from 'tap'
import { formatAddress } from '../../src/access/ip-address.js'
import { compileIpRules } from '../../src/access/ip-rules.js'
import type { IpMatcher } from '../../src/access/ip-rules.js'
import { scanEntry } from '../../src/access/ip-scan.js'

interface Recorded { v4: Array<[number, number]>, v6: Array<[string, string]> }

function scan (entry: string): { taken: boolean, spans: Recorded } {
  const spans: Recorded = { v4: [], v6: [] }
  const taken = scanEntry(entry, { add: (lo, end) => spans.v4.push([lo, end]) }, { add: (lo, end) => spans.v6.push([lo, end]) }, 0)
  return { taken, spans }
}

function compile (entry: string): IpMatcher | string {
  try {
    return compileIpRules([{ entry, source: 'whitelist[0]' }], 'whitelist')
  } catch (error) {
    return (error as { code: string }).code
  }
}

/** The addresses around each end of each span, as text. */
function edges ({ v4, v6 }: Recorded): string[] {
  const out: string[] = []
  for (const [lo, end] of v4) {
    for (const v of [lo - 1, lo, end - 1, end]) if (v >= 0 && v < 2 ** 32) out.push(formatAddress({ family: 4, value: v }))
  }
  const key = (n: bigint): string => n.toString(16).padStart(32, '0')
  for (const [lo, end] of v6) {
    const a = BigInt(`0x${lo}`)
    const b = end === 'g' ? 1n << 128n : BigInt(`0x${end}`)
    for (const v of [a - 1n, a, b - 1n, b]) if (v >= 0n && v < 1n << 128n) out.push(formatAddress({ family: 6, value: key(v) }))
  }
  return out
}

/** The scanner's answer for `entry` is the general parser's. */
function agrees (entry: string): boolean {
  const { taken, spans } = scan(entry)
  if (!taken) return spans.v4.length === 0 && spans.v6.length === 0
  const fast = compile(entry)
  const general = compile(` ${entry}`)
  if (typeof fast === 'string' || typeof general === 'string') return false
  return [...edges(spans), '127.0.0.1', '::1'].every((a) => fast.match(a)?.entry === general.match(a)?.entry) &&
    fast.admitsAll(4) === general.admitsAll(4) && fast.admitsAll(6) === general.admitsAll(6)
}

t.test('takes the common forms and gives the general parser\'s spans', async (t) => {
  const taken = ['192.168.1.20', '010.000.000.001', '10.0.0.0/8', '10.1.2.3/8', '0.0.0.0/0', '255.255.255.255/32', '1.2.3.4/00',
    '2001:db8::1', 'FD00::ABC', '::1', '::', '::/0', 'fd00::/8', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8',
    'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ffff::/1', '2001:db8::/000', 'fe80::1/64']
  for (const entry of taken.filter((e) => e !== '::')) {
    t.ok(scan(entry).taken, `${entry} is read in one pass`)
    t.ok(agrees(entry), `${entry} gives the general parser's spans`)
  }
  t.same(scan('10.1.2.3/8').spans.v4, [[0x0a000000, 0x0b000000]])
  t.same(scan('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff').spans.v6, [['f'.repeat(32), 'g']])
})

t.test('leaves everything else to the general parser', async (t) => {
  const left = ['', ' 10.0.0.1', '10.0.0.1 ', '0.0.0.0', '::', '0:0::0', '10.0.0.0/255.0.0.0', '10.0.0.0/33', '10.0.0.0/',
    '10.0.0.0/123', '10.0.0.0/1a', '10.0.0.1-10.0.0.9', '10.0.0.*', '1.2.3', '1.2.3.4.5', '256.0.0.1', '1..2.3', '1.2.3.1000', '.1.2.3',
    '::ffff:1.2.3.4', '::ffff:c0a8:5', '::ffff:0:0/96', 'fe80::1%eth0', '[::1]', ':1::', ':', ':::', '1:::2', '1::2::3',
    '12345::', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', '1:2:3:4:5:6:7:', '1::2:', 'g::', '2001:db8::/129', '2001:db8::/1000',
    '2001:db8::/', '2001:db8::/x', '2001:db8::1/64/64', 'fd00::-fd00::ff', '2001:db8::*', 'localhost', '::1::']
  for (const entry of left) {
    const { taken, spans } = scan(entry)
    t.notOk(taken, `${JSON.stringify(entry)} is left alone`)
    t.same(spans, { v4: [], v6: [] }, `${JSON.stringify(entry)} adds nothing`)
  }
})

const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 })
const v6Text = groups.chain((g) => fc.constantFrom(
  new ipaddr.IPv6(g).toRFC5952String(), new ipaddr.IPv6(g).toNormalizedString(), new ipaddr.IPv6(g).toRFC5952String().toUpperCase()))
const v4Text = fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }).map((o) => o.join('.'))
const suffix = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 130 }).map((b) => `/${b}`))
const wellFormed = fc.tuple(fc.oneof(v4Text, v6Text), suffix).map(([a, s]) => a + s)
// Well-formed entries with one character changed, dropped or added, and plain noise.
const mutated = fc.tuple(wellFormed, fc.nat(), fc.constantFrom('', ':', '.', '/', '0', 'f', 'g', ' ', '-', '*', '%'), fc.constantFrom('replace', 'insert', 'drop'))
  .map(([e, at, c, how]) => {
    const i = at % (e.length + 1)
    return how === 'insert' ? e.slice(0, i) + c + e.slice(i) : e.slice(0, i) + (how === 'replace' ? c : '') + e.slice(i + 1)
  })
const noise = fc.stringMatching(/^[0-9a-fA-F:./ ]{0,45}$/)

t.test('agrees with the general parser on any entry', async () => {
  fc.assert(fc.property(fc.oneof(wellFormed, mutated, noise), agrees), { numRuns: 5000 })
})
