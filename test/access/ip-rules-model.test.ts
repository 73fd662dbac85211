/**
 * The compiled matcher against a plain model: a list of address intervals searched in order.
 * Whatever the rules and their overlaps, both must name the same first rule and agree on how much
 * of a network is admitted.
 */
import fc from 'fast-check'
import t from 'tap'
import { compileIpRules } from '../../src/access/ip-rules.js'

interface Interval { family: 4 | 6, lo: bigint, hi: bigint }
interface Rule extends Interval { entry: string }

const BITS = { 4: 32, 6: 128 } as const

function text (family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.')
  return Array.from({ length: 8 }, (_, i) => ((value >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':')
}

function rule (family: 4 | 6, kind: 'single' | 'cidr' | 'range', a: bigint, b: bigint, bits: number): Rule {
  const size = BigInt(BITS[family])
  const top = (1n << size) - 1n
  a &= top
  b &= top
  if (kind === 'single') return { family, lo: a, hi: a, entry: text(family, a) }
  if (kind === 'range') {
    const [lo, hi] = a <= b ? [a, b] : [b, a]
    return { family, lo, hi, entry: `${text(family, lo)}-${text(family, hi)}` }
  }
  const host = size - BigInt(bits)
  const lo = (a >> host) << host
  return { family, lo, hi: lo + (1n << host) - 1n, entry: `${text(family, lo)}/${bits}` }
}

// Addresses crowd into a few small neighbourhoods, so rules overlap often and probes hit edges.
// (Never 0.0.0.0 itself, which is refused as an entry.)
const near = (family: 4 | 6): fc.Arbitrary<bigint> => fc.tuple(fc.constantFrom(1n, 2n, 255n), fc.bigInt({ min: 0n, max: 300n }))
  .map(([hood, offset]) => (hood << BigInt(BITS[family] - 8)) + offset)

/** Mostly small networks, sometimes a huge one (a /1 covers half the family). */
const prefix = (family: 4 | 6): fc.Arbitrary<number> => fc.oneof(
  { arbitrary: fc.integer({ min: BITS[family] - 10, max: BITS[family] }), weight: 9 },
  { arbitrary: fc.integer({ min: 0, max: 2 }), weight: 1 }
)

const ruleArb: fc.Arbitrary<Rule> = fc.constantFrom<4 | 6>(4, 6).chain((family) => fc.tuple(
  fc.constantFrom<'single' | 'cidr' | 'range'>('single', 'cidr', 'range'),
  near(family),
  near(family),
  prefix(family)
).map(([kind, a, b, bits]) => rule(family, kind, a, b, bits)))

function firstMatch (rules: readonly Rule[], family: 4 | 6, address: bigint): number | undefined {
  const i = rules.findIndex((r) => r.family === family && r.lo <= address && address <= r.hi)
  return i === -1 ? undefined : i
}

function coverage (rules: readonly Rule[], query: Interval): 'all' | 'some' | 'none' {
  const parts = rules.filter((r) => r.family === query.family && r.hi >= query.lo && r.lo <= query.hi)
    .map((r) => [r.lo < query.lo ? query.lo : r.lo, r.hi > query.hi ? query.hi : r.hi] as const)
    .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0))
  if (parts.length === 0) return 'none'
  let reach = query.lo
  for (const [lo, hi] of parts) {
    if (lo > reach) return 'some'
    if (hi + 1n > reach) reach = hi + 1n
  }
  return reach > query.hi ? 'all' : 'some'
}

t.test('names the same first rule as a search of the list in order', async () => {
  fc.assert(fc.property(fc.array(ruleArb, { maxLength: 30 }), fc.array(fc.constantFrom<4 | 6>(4, 6).chain((f) => near(f).map((v) => [f, v] as const)), { maxLength: 20 }), (rules, probes) => {
    const matcher = compileIpRules(rules.map((r, i) => ({ entry: r.entry, source: `whitelist[${i}]` })), 'whitelist')
    const edges = rules.flatMap((r) => [[r.family, r.lo], [r.family, r.hi], [r.family, r.lo - 1n], [r.family, r.hi + 1n]] as const)
    for (const [family, value] of [...probes, ...edges]) {
      if (value < 0n || value >= 1n << BigInt(BITS[family])) continue
      const expected = firstMatch(rules, family, value)
      const got = matcher.match(text(family, value))
      if (got?.source !== (expected === undefined ? undefined : `whitelist[${expected}]`)) return false
    }
    return true
  }), { numRuns: 300 })
})

t.test('agrees on how much of a network, or of a whole family, is admitted', async () => {
  const networkArb = fc.constantFrom<4 | 6>(4, 6).chain((family) => fc.tuple(near(family), prefix(family))
    .map(([address, bits]) => rule(family, 'cidr', address, 0n, bits)))
  fc.assert(fc.property(fc.array(ruleArb, { maxLength: 20 }), networkArb, (rules, cidr) => {
    const matcher = compileIpRules(rules.map((r, i) => ({ entry: r.entry, source: `whitelist[${i}]` })), 'whitelist')
    const all = (family: 4 | 6): Interval => ({ family, lo: 0n, hi: (1n << BigInt(BITS[family])) - 1n })
    return matcher.admitsNetwork(cidr.entry) === coverage(rules, cidr) &&
      matcher.admitsAll(4) === (coverage(rules, all(4)) === 'all') &&
      matcher.admitsAll(6) === (coverage(rules, all(6)) === 'all')
  }), { numRuns: 300 })
})
