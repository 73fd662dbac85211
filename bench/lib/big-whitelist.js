/**
 * A large whitelist, the same on every run: IPv4 and IPv6 single addresses and CIDRs mixed,
 * none of them inside 127.0.0.0/8, with 127.0.0.1 (the measuring client) as the last entry. So
 * 127.0.0.1 is admitted and 127.0.0.2 is not, which the precheck relies on.
 */

/** mulberry32: a tiny seeded generator, so every run compiles the same list. */
function generator (seed) {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

/** @returns {string[]} `count` entries */
export function bigWhitelist (count, seed = 2026) {
  const random = generator(seed)
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1))
  const v4 = () => {
    let first
    do first = int(1, 223); while (first === 127)
    return [first, int(0, 255), int(0, 255), int(0, 255)]
  }
  const v6 = () => [int(0x2000, 0x3fff), ...Array.from({ length: 7 }, () => int(0, 0xffff))]
  const hex = (groups) => groups.map((g) => g.toString(16)).join(':')
  /** Host bits cleared, as a network is written. */
  const network6 = (groups, bits) => groups.map((g, i) => {
    const keep = Math.min(16, Math.max(0, bits - 16 * i))
    return g & (0xffff << (16 - keep)) & 0xffff
  })
  const entries = []
  while (entries.length < count - 1) {
    const kind = random()
    if (kind < 0.4) {
      entries.push(v4().join('.'))
    } else if (kind < 0.6) {
      const bits = int(16, 30)
      const address = v4().reduce((n, o) => n * 256 + o, 0)
      const network = address - (address % 2 ** (32 - bits))
      entries.push(`${[24, 16, 8, 0].map((s) => Math.floor(network / 2 ** s) % 256).join('.')}/${bits}`)
    } else if (kind < 0.85) {
      entries.push(hex(v6()))
    } else {
      const bits = int(32, 120)
      entries.push(`${hex(network6(v6(), bits))}/${bits}`)
    }
  }
  entries.push('127.0.0.1')
  return entries
}
