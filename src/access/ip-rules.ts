/**
 * Address rules (the whitelist, trusted proxies) compiled once into sorted, disjoint segments, so a
 * lookup is a binary search whose cost barely grows with the list (17 steps for 100,000 entries),
 * and still names the first entry, in list order, that admits an address.
 *
 * Entry syntax: 192.168.1.20, ::1, 192.168.0.0/16, fd00::/8, 10.0.0.0/255.255.0.0, 192.168.0.*,
 * 10.*.*.*, 2001:db8::*, 10.0.0.1-10.0.0.50, and IPv4-mapped IPv6 forms of IPv4 entries
 * (::ffff:192.168.0.5, ::ffff:192.168.0.0/120), which match the plain IPv4 client.
 */
import { TVS_ERR_ACCESS_INVALID_ENTRY } from '../errors.js'
import { commandLine } from '../invocation.js'
import { formatAddress, nextV6, parseAddress, parseV4, parseV6, prefixV6, unmapV6, V4_END, V6_END } from './ip-address.js'
import type { Address } from './ip-address.js'
import { scanEntry } from './ip-scan.js'
import type { SpanSink } from './ip-scan.js'

/** One entry as written, and where: `config.yaml:14 whitelist[2]`, `whitelist.txt:3`. */
export interface RuleSource {
  readonly entry: string
  readonly source: string
}

export interface IpMatcher {
  /** The first rule admitting `address` (any textual form, mapped IPv4 included), or undefined. */
  match (address: string): RuleSource | undefined
  /** The same for an already parsed address. */
  matchParsed (address: Address): RuleSource | undefined
  /** True when every address of the family is admitted (`0.0.0.0/0`, `*.*.*.*`, `::/0`). */
  admitsAll (family: 4 | 6): boolean
  /** How much of a network (`192.168.1.0/24`) the rules admit. */
  admitsNetwork (cidr: string): 'all' | 'some' | 'none'
  readonly rules: readonly RuleSource[]
}

type Key = number | string
/** A half-open interval [lo, end) of keys. */
interface Span<K extends Key> { lo: K, end: K }
type Parsed = { family: 4, spans: Array<Span<number>> } | { family: 6, spans: Array<Span<string>> }

class EntryError extends Error {}

function span4 (lo: number, hi: number): Parsed {
  return { family: 4, spans: [{ lo, end: hi + 1 }] }
}

/** An IPv6 range, or the IPv4 range it stands for when it lies inside ::ffff:0:0/96. */
function span6 (lo: string, hi: string): Parsed {
  const lo4 = unmapV6(lo)
  const hi4 = unmapV6(hi)
  if (lo4 !== undefined && hi4 !== undefined) return span4(lo4, hi4)
  return { family: 6, spans: [{ lo, end: nextV6(hi) }] }
}

function netmaskBits (mask: string): number | undefined {
  const n = parseV4(mask)
  if (n === undefined) return undefined
  const bits = 32 - Math.log2(2 ** 32 - n)
  return Number.isInteger(bits) ? bits : undefined
}

function parseCidr (entry: string): Parsed & { bits: number } {
  const slash = entry.indexOf('/')
  if (slash === -1) throw new EntryError(`"${entry}" is not a network such as 192.168.1.0/24`)
  const base = entry.slice(0, slash)
  const suffix = entry.slice(slash + 1)
  const v4 = parseV4(base)
  if (v4 !== undefined) {
    const bits = /^\d{1,2}$/.test(suffix) ? Number(suffix) : netmaskBits(suffix)
    if (bits === undefined || bits > 32) {
      throw new EntryError(`"/${suffix}" is not a prefix length from 0 to 32 or a netmask such as 255.255.0.0`)
    }
    const size = 2 ** (32 - bits)
    const lo = v4 - (v4 % size)
    return { family: 4, spans: [{ lo, end: lo + size }], bits }
  }
  const v6 = parseV6(base)
  if (v6 === undefined) throw new EntryError(`"${base}" is not an IPv4 or IPv6 address`)
  const bits = /^\d{1,3}$/.test(suffix) ? Number(suffix) : 129
  if (bits > 128) throw new EntryError(`"/${suffix}" is not a prefix length from 0 to 128`)
  const { lo, hi } = prefixV6(v6, bits)
  const lo4 = unmapV6(lo)
  const hi4 = unmapV6(hi)
  if (lo4 !== undefined && hi4 !== undefined) return { family: 4, spans: [{ lo: lo4, end: hi4 + 1 }], bits: bits - 96 }
  return { family: 6, spans: [{ lo, end: nextV6(hi) }], bits }
}

function parseRange (entry: string): Parsed {
  const [left = '', right = ''] = entry.split('-').map((s) => s.trim())
  const a = parseAddress(left)
  const b = parseAddress(right)
  if (a === undefined || b === undefined) {
    throw new EntryError('a range needs two addresses of the same family, like 10.0.0.1-10.0.0.50')
  }
  if (a.family !== b.family) throw new EntryError('both ends of a range must be IPv4, or both IPv6')
  if (a.value > b.value) throw new EntryError(`the range starts after it ends; write ${right}-${left}`)
  return a.family === 4 ? span4(a.value, b.value as number) : span6(a.value, b.value as string)
}

/** Octet wildcards. Trailing ones make one range; earlier ones are expanded (at most 65,536). */
function parseWildcard4 (entry: string): Parsed {
  const octets = entry.split('.')
  if (octets.length !== 4 || octets.some((o) => o !== '*' && parseV4(`${o}.0.0.0`) === undefined)) {
    throw new EntryError('wildcards replace whole octets, like 192.168.0.* or 10.*.*.*')
  }
  let fixed = 4
  while (fixed > 0 && octets[fixed - 1] === '*') fixed--
  const inner = octets.slice(0, fixed).filter((o) => o === '*').length
  if (inner > 2) throw new EntryError('too many wildcards before the last fixed octet; use a CIDR such as 10.0.0.0/8')
  let prefixes: number[] = [0]
  for (let i = 0; i < fixed; i++) {
    const o = octets[i] as string
    const choices = o === '*' ? Array.from({ length: 256 }, (_, k) => k) : [Number(o)]
    prefixes = prefixes.flatMap((p) => choices.map((c) => p * 256 + c))
  }
  const size = 256 ** (4 - fixed)
  return { family: 4, spans: prefixes.map((p) => ({ lo: p * size, end: p * size + size })) }
}

/** Group wildcards, trailing only once `::` is expanded: 2001:db8::*, fe80:*:*:*:*:*:*:*. */
function parseWildcard6 (entry: string): Parsed {
  const zeroed = parseV6(entry.replace(/\*/g, '0'))
  if (zeroed === undefined || /[^:]\*|\*[^:]/.test(entry)) {
    throw new EntryError(`"${entry}" is not an IPv6 address pattern; a * replaces a whole group, like 2001:db8::*`)
  }
  const [head = '', tail] = entry.split('::')
  const headGroups = head === '' ? [] : head.split(':')
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':')
  const groups = tail === undefined
    ? headGroups
    : [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill('0'), ...tailGroups]
  let fixed = 8
  while (fixed > 0 && groups[fixed - 1] === '*') fixed--
  if (groups.slice(0, fixed).includes('*')) {
    throw new EntryError('IPv6 wildcards must come last, like 2001:db8::*; or use a CIDR such as 2001:db8::/32')
  }
  const { lo, hi } = prefixV6(zeroed, fixed * 16)
  return span6(lo, hi)
}

/** Entries that parse but admit nobody, or everybody by accident. */
function special (entry: string): string | undefined {
  if (entry === '*') return 'a bare * is not an entry; 0.0.0.0/0 and ::/0 admit everyone, which is the same as whitelistMode: false'
  if (entry === '0.0.0.0') return '0.0.0.0 matches no real client; to admit every IPv4 address write 0.0.0.0/0 (or set whitelistMode: false)'
  if (entry === '::' || entry === '[::]') return ':: matches no real client; to admit every IPv6 address write ::/0'
  return undefined
}

/** What a person probably meant by an entry that does not parse. */
function hint (entry: string): string | undefined {
  if (entry.includes('%')) return 'IPv6 zone ids (%eth0) are not supported; write the address without them'
  if (/^\[.*\]$/.test(entry)) return `write IPv6 addresses without brackets: ${entry.slice(1, -1)}`
  if (!entry.includes(':') && /[g-z]/i.test(entry)) {
    return `host names are not supported; write the device's IP address (${commandLine('check-access <ip>')} tells whether the server admits an address)`
  }
  return undefined
}

function parseSyntax (entry: string): Parsed {
  if (entry.includes('/')) return parseCidr(entry)
  if (entry.includes('-')) return parseRange(entry)
  if (entry.includes('*')) return entry.includes(':') ? parseWildcard6(entry) : parseWildcard4(entry)
  const address = parseAddress(entry)
  if (address === undefined) throw new EntryError('not an IP address, CIDR, wildcard or range')
  return address.family === 4 ? span4(address.value, address.value) : span6(address.value, address.value)
}

/**
 * One entry's spans. The hints are looked for only when the entry does not parse: none of them
 * applies to an entry that does, and a 100,000-entry list should not run them 100,000 times.
 */
function parseEntry (raw: string): Parsed {
  const entry = raw.trim()
  const problem = special(entry)
  if (problem !== undefined) throw new EntryError(problem)
  try {
    return parseSyntax(entry)
  } catch (error) {
    /* c8 ignore next -- only EntryError is expected from parsing; anything else is a bug */
    if (!(error instanceof EntryError)) throw error
    throw new EntryError(hint(entry) ?? error.message)
  }
}

/**
 * The network a CIDR belongs to, written canonically: `192.168.1.20/24` → `192.168.1.0/24`.
 * Undefined when the text is not a CIDR.
 */
export function networkOf (cidr: string): string | undefined {
  try {
    const parsed = parseCidr(cidr)
    const lo = parsed.family === 4
      ? formatAddress({ family: 4, value: parsed.spans[0]!.lo })
      : formatAddress({ family: 6, value: parsed.spans[0]!.lo })
    return `${lo}/${parsed.bits}`
  } catch {
    return undefined
  }
}

/** IPv4 spans collected while parsing: parallel typed arrays that grow, no object per span. */
class Spans4 implements SpanSink<number> {
  lo = new Float64Array(1024)
  end = new Float64Array(1024)
  label = new Float64Array(1024)
  size = 0

  add (lo: number, end: number, label: number): void {
    if (this.size === this.lo.length) {
      for (const key of ['lo', 'end', 'label'] as const) {
        const bigger = new Float64Array(this.size * 2)
        bigger.set(this[key])
        this[key] = bigger
      }
    }
    this.lo[this.size] = lo
    this.end[this.size] = end
    this.label[this.size++] = label
  }
}

/** IPv6 spans collected while parsing: keys are text. */
class Spans6 implements SpanSink<string> {
  readonly lo: string[] = []
  readonly end: string[] = []
  readonly label: number[] = []

  add (lo: string, end: string, label: number): void {
    this.lo.push(lo)
    this.end.push(end)
    this.label.push(label)
  }
}

/** Sorts in place and drops repeats; returns how many values are left. */
function sortUnique<K extends Key> (values: { [i: number]: K, length: number, sort (): unknown }): number {
  values.sort() // numbers in a typed array sort numerically; same-length hex keys (and V6_END) sort as text
  let kept = 0
  for (let k = 0; k < values.length; k++) {
    if (k === 0 || values[k] !== values[kept - 1]) values[kept++] = values[k] as K
  }
  return kept
}

/** A binary min-heap of span ids, ordered by label (rule order). */
class MinHeap {
  #items: number[] = []
  constructor (private readonly key: ArrayLike<number>) {}

  get size (): number { return this.#items.length }
  get top (): number { return this.#items[0] as number }

  push (id: number): void {
    const items = this.#items
    const k = this.key[id] as number
    let i = items.push(id) - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if ((this.key[items[parent] as number] as number) <= k) break
      items[i] = items[parent] as number
      i = parent
    }
    items[i] = id
  }

  pop (): void {
    const items = this.#items
    const last = items.pop() as number
    if (items.length === 0) return
    const k = this.key[last] as number
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      if (l >= items.length) break
      const r = l + 1
      const child = r < items.length && (this.key[items[r] as number] as number) < (this.key[items[l] as number] as number) ? r : l
      if ((this.key[items[child] as number] as number) >= k) break
      items[i] = items[child] as number
      i = child
    }
    items[i] = last
  }
}

/**
 * Disjoint segments [start, next), each labelled with the first rule covering it. They are built
 * over ranks: every span start and end, sorted without repeats, is a point, and a span is given as
 * the ranks of its two points. Spans are bucketed by start (a counting sort), then a sweep over the
 * points keeps the open spans in a min-heap by rule order, dropping closed ones when they reach
 * the top. Only numbers are compared, whatever the address family.
 */
class Segments {
  // Typed arrays sized for the most segments there can be (one per pair of neighbouring points):
  // no growing, and next to nothing for the garbage collector at start-up; cut to size at the end.
  readonly starts: Float64Array
  readonly nexts: Float64Array
  readonly labels: Float64Array

  constructor (loRank: ArrayLike<number>, endRank: ArrayLike<number>, label: ArrayLike<number>, pointCount: number) {
    const n = loRank.length
    const first = new Uint32Array(pointCount + 1)
    for (let id = 0; id < n; id++) {
      const r = (loRank[id] as number) + 1
      first[r] = (first[r] as number) + 1
    }
    for (let p = 0; p < pointCount; p++) first[p + 1] = (first[p + 1] as number) + (first[p] as number)
    // order[first[p] .. first[p + 1]) are the spans starting at point p.
    const order = new Uint32Array(n)
    const fill = first.slice(0, pointCount)
    for (let id = 0; id < n; id++) {
      const r = loRank[id] as number
      order[fill[r] as number] = id
      fill[r] = (fill[r] as number) + 1
    }
    const starts = new Float64Array(Math.max(pointCount - 1, 0))
    const nexts = new Float64Array(starts.length)
    const labels = new Float64Array(starts.length)
    let count = 0
    const open = new MinHeap(label)
    for (let p = 0; p < pointCount - 1; p++) {
      for (let k = first[p] as number; k < (first[p + 1] as number); k++) open.push(order[k] as number)
      while (open.size > 0 && (endRank[open.top] as number) <= p) open.pop()
      if (open.size === 0) continue
      const top = label[open.top] as number
      if (count > 0 && labels[count - 1] === top && nexts[count - 1] === p) {
        nexts[count - 1] = p + 1
      } else {
        starts[count] = p
        nexts[count] = p + 1
        labels[count++] = top
      }
    }
    this.starts = starts.slice(0, count)
    this.nexts = nexts.slice(0, count)
    this.labels = labels.slice(0, count)
  }

  /** Replaces the ranks with the points they stand for. */
  toPoints (points: ArrayLike<number>): this {
    for (let i = 0; i < this.starts.length; i++) {
      this.starts[i] = points[this.starts[i] as number] as number
      this.nexts[i] = points[this.nexts[i] as number] as number
    }
    return this
  }

  /** The index of the first segment ending after `key`. */
  #firstAfter (key: number): number {
    let lo = 0
    let hi = this.nexts.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.nexts[mid] as number) <= key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  find (key: number): number | undefined {
    const i = this.#firstAfter(key)
    return i < this.starts.length && (this.starts[i] as number) <= key ? this.labels[i] : undefined
  }

  /** How much of [lo, end) the segments admit. */
  cover (lo: number, end: number): 'all' | 'some' | 'none' {
    let reach = lo
    let any = false
    for (let i = this.#firstAfter(lo); i < this.starts.length && (this.starts[i] as number) < end; i++) {
      any = true
      if ((this.starts[i] as number) > reach) return 'some'
      reach = this.nexts[i] as number
      if (reach >= end) return 'all'
    }
    return any ? 'some' : 'none'
  }
}

/** The index of `key` in points[0, count), which holds it. */
function rankOf (points: Float64Array, count: number, key: number): number {
  let lo = 0
  let hi = count
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((points[mid] as number) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** IPv4 segments, over the addresses themselves once built. */
function segments4Of ({ lo, end, label, size }: Spans4): Segments {
  const points = new Float64Array(size * 2)
  points.set(lo.subarray(0, size))
  points.set(end.subarray(0, size), size)
  const count = sortUnique(points)
  const loRank = new Float64Array(size)
  const endRank = new Float64Array(size)
  for (let id = 0; id < size; id++) {
    loRank[id] = rankOf(points, count, lo[id] as number)
    endRank[id] = rankOf(points, count, end[id] as number)
  }
  return new Segments(loRank, endRank, label, count).toPoints(points)
}

/**
 * IPv6 segments, kept over ranks: a lookup finds the rank of an address (the last point at or
 * below it) with one search of the text keys, then the segment with a search of numbers.
 */
class Segments6 {
  readonly #points: string[]
  readonly #segments: Segments

  constructor ({ lo, end, label }: Spans6) {
    const points = [...lo, ...end]
    points.length = sortUnique(points)
    this.#points = points
    // Each key is a point, so its rank is the index of the last point at or below it.
    const loRank = new Float64Array(lo.length)
    const endRank = new Float64Array(lo.length)
    for (let id = 0; id < lo.length; id++) {
      loRank[id] = this.#floor(lo[id] as string)
      endRank[id] = this.#floor(end[id] as string)
    }
    this.#segments = new Segments(loRank, endRank, Float64Array.from(label), points.length)
  }

  /** The number of points at or below `key`, less one: the rank of the elementary span holding it. */
  #floor (key: string): number {
    let lo = 0
    let hi = this.#points.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((this.#points[mid] as string) <= key) lo = mid + 1
      else hi = mid
    }
    return lo - 1
  }

  find (key: string): number | undefined {
    const r = this.#floor(key)
    return r < 0 ? undefined : this.#segments.find(r)
  }

  cover (lo: string, end: string): 'all' | 'some' | 'none' {
    const first = this.#floor(lo)
    const below = this.#floor(end)
    // The rank of the first point at or above `end`.
    const last = this.#points[below] === end ? below : below + 1
    const covered = this.#segments.cover(Math.max(first, 0), last)
    // Below the first point nothing is admitted.
    return first < 0 && covered === 'all' ? 'some' : covered
  }
}

/**
 * Compiles rules into a matcher, or throws TVS_ERR_ACCESS_INVALID_ENTRY listing every bad entry
 * with its source and a hint.
 * @example compileIpRules([{ entry: '192.168.0.0/16', source: 'whitelist[0]' }], 'whitelist').match('192.168.4.2')
 */
export function compileIpRules (rules: readonly RuleSource[], listName: string): IpMatcher {
  const v4 = new Spans4()
  const v6 = new Spans6()
  const bad: string[] = []
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index] as RuleSource
    if (scanEntry(rule.entry, v4, v6, index)) continue
    try {
      const parsed = parseEntry(rule.entry)
      if (parsed.family === 4) for (const s of parsed.spans) v4.add(s.lo, s.end, index)
      else for (const s of parsed.spans) v6.add(s.lo, s.end, index)
    } catch (error) {
      /* c8 ignore next -- only EntryError is expected from parsing; anything else is a bug */
      if (!(error instanceof EntryError)) throw error
      bad.push(`  - ${rule.source}: "${rule.entry}": ${error.message}`)
    }
  }
  if (bad.length > 0) throw new TVS_ERR_ACCESS_INVALID_ENTRY(listName, bad.join('\n'))
  const segments4 = segments4Of(v4)
  const segments6 = new Segments6(v6)
  // Frozen copies of the rules are made when asked for, not 100,000 of them at start-up.
  const list = rules.slice()
  const made: RuleSource[] = []
  const ruleAt = (index: number): RuleSource => {
    made[index] ??= Object.freeze({ entry: (list[index] as RuleSource).entry.trim(), source: (list[index] as RuleSource).source })
    return made[index] as RuleSource
  }
  let frozen: readonly RuleSource[] | undefined
  const all = { 4: segments4.cover(0, V4_END) === 'all', 6: segments6.cover('0'.repeat(32), V6_END) === 'all' }

  const matchParsed = (address: Address): RuleSource | undefined => {
    const index = address.family === 4 ? segments4.find(address.value) : segments6.find(address.value)
    return index === undefined ? undefined : ruleAt(index)
  }
  return {
    get rules () {
      frozen ??= Object.freeze(list.map((_, index) => ruleAt(index)))
      return frozen
    },
    matchParsed,
    match (address) {
      const parsed = parseAddress(address)
      return parsed === undefined ? undefined : matchParsed(parsed)
    },
    admitsAll: (family) => all[family],
    admitsNetwork (cidr) {
      const network = parseCidr(cidr)
      return network.family === 4
        ? segments4.cover(network.spans[0]!.lo, network.spans[0]!.end)
        : segments6.cover(network.spans[0]!.lo, network.spans[0]!.end)
    }
  }
}
