/**
 * The common whitelist entries (192.168.1.20, 10.0.0.0/8, 2001:db8::1, fd00::/8) read in one pass
 * over their characters, straight into spans. At start-up a 100,000-entry list is parsed before
 * the JIT has warmed up, and there a tight loop is several times faster than the general parser's
 * splits, regexes and intermediate objects. Anything else (ranges, wildcards, netmasks, embedded or
 * mapped IPv4, spaces, mistakes) is left to the general parser, which also explains errors; for
 * what it accepts, this scanner gives exactly the general parser's spans.
 */
import { keyOfGroups, V6_END } from './ip-address.js'

export interface SpanSink<K> {
  add (lo: K, end: K, label: number): void
}

const DOT = 46
const SLASH = 47
const COLON = 58

/** The prefix length after a slash at `at`: 1 to `maxDigits` digits, at most `max`; -1 otherwise. */
function prefixLength (entry: string, at: number, maxDigits: number, max: number): number {
  const digits = entry.length - at - 1
  if (entry.charCodeAt(at) !== SLASH || digits < 1 || digits > maxDigits) return -1
  let bits = 0
  for (let k = at + 1; k < entry.length; k++) {
    const c = entry.charCodeAt(k) - 48
    if (c < 0 || c > 9) return -1
    bits = bits * 10 + c
  }
  return bits > max ? -1 : bits
}

/** `a.b.c.d` or `a.b.c.d/n`; false when the entry is anything else. */
function scanV4 (entry: string, sink: SpanSink<number>, label: number): boolean {
  let value = 0
  let octet = 0
  let digits = 0
  let dots = 0
  let k = 0
  for (; k < entry.length; k++) {
    const c = entry.charCodeAt(k)
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + c - 48
      if (++digits > 3 || octet > 255) return false
    } else if (c === DOT && digits > 0 && dots < 3) {
      value = value * 256 + octet
      octet = 0
      digits = 0
      dots++
    } else {
      break
    }
  }
  if (dots !== 3 || digits === 0) return false
  value = value * 256 + octet
  const bits = k === entry.length ? 32 : prefixLength(entry, k, 2, 32)
  // 0.0.0.0 alone is refused by the general parser, with the reason.
  if (bits === -1 || (bits === 32 && value === 0)) return false
  const size = 2 ** (32 - bits)
  const lo = value - (value % size)
  sink.add(lo, lo + size, label)
  return true
}

function hexDigit (c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

const GROUPS = [0, 0, 0, 0, 0, 0, 0, 0]
const LO = [0, 0, 0, 0, 0, 0, 0, 0]
const END = [0, 0, 0, 0, 0, 0, 0, 0]

/** Hex groups with at most one `::`, then `/n` or nothing; false when the entry is anything else. */
function scanV6 (entry: string, sink: SpanSink<string>, label: number): boolean {
  const n = entry.length
  let count = 0
  let gap = -1
  let value = 0
  let digits = 0
  let k = 0
  if (entry.charCodeAt(0) === COLON) {
    if (entry.charCodeAt(1) !== COLON) return false
    gap = 0
    k = 2
  }
  for (; k < n; k++) {
    const c = entry.charCodeAt(k)
    const d = hexDigit(c)
    if (d !== -1) {
      value = value * 16 + d
      if (++digits > 4) return false
    } else if (c === COLON && digits > 0 && count < 7) {
      GROUPS[count++] = value
      value = 0
      digits = 0
      if (entry.charCodeAt(k + 1) === COLON) {
        if (gap !== -1) return false
        gap = count
        k++
      }
    } else {
      break
    }
  }
  if (digits > 0) GROUPS[count++] = value
  // Nothing after a colon is fine only right after "::"; "::" stands for at least one group.
  else if (gap !== count || k < 2 || entry.charCodeAt(k - 1) !== COLON) return false
  if (gap === -1 ? count !== 8 : count > 7) return false
  const bits = k === n ? 128 : prefixLength(entry, k, 3, 128)
  if (bits === -1) return false
  if (gap !== -1) {
    const missing = 8 - count
    for (let i = 7; i >= gap + missing; i--) GROUPS[i] = GROUPS[i - missing] as number
    for (let i = gap; i < gap + missing; i++) GROUPS[i] = 0
  }
  let zero = true
  for (let i = 0; i < 8; i++) if (GROUPS[i] !== 0) zero = false
  const mapped = GROUPS[0] === 0 && GROUPS[1] === 0 && GROUPS[2] === 0 && GROUPS[3] === 0 && GROUPS[4] === 0 && GROUPS[5] === 0xffff
  // IPv4-mapped addresses become IPv4 spans, and :: alone is refused: the general parser does both.
  if (mapped || (zero && bits === 128)) return false
  let carry = 1
  for (let i = 7; i >= 0; i--) {
    const keep = bits - 16 * i
    const mask = keep >= 16 ? 0xffff : keep <= 0 ? 0 : (0xffff << (16 - keep)) & 0xffff
    LO[i] = (GROUPS[i] as number) & mask
    const hi = (LO[i] as number) | (~mask & 0xffff)
    END[i] = (hi + carry) & 0xffff
    carry = carry === 1 && hi === 0xffff ? 1 : 0
  }
  sink.add(keyOfGroups(LO), carry === 1 ? V6_END : keyOfGroups(END), label)
  return true
}

/**
 * Adds the spans of a common entry to the sink of its family and returns true, or returns false
 * (adding nothing) for an entry the general parser must read.
 */
export function scanEntry (entry: string, v4: SpanSink<number>, v6: SpanSink<string>, label: number): boolean {
  for (let k = 0; k < entry.length; k++) {
    const c = entry.charCodeAt(k)
    if (c === COLON) return scanV6(entry, v6, label)
    if (c === DOT || c === SLASH) break
  }
  return scanV4(entry, v4, label)
}
