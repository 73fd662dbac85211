/**
 * IP addresses as sortable keys: IPv4 as a 32-bit number, IPv6 as its 32 lower-case hex digits
 * (string order is numeric order, and no BigInt is made per request). Keys are made in one piece
 * from character codes: built with `+`, a key is a rope of 16 pieces that is slow to make and to
 * compare, which a 100,000-entry whitelist does a million times at start-up. IPv4-mapped IPv6
 * (`::ffff:192.168.0.5`, `::ffff:c0a8:5`) is read as the IPv4 address it carries.
 */
export type Address = { family: 4, value: number } | { family: 6, value: string }

/** Sorts after every IPv6 key: the exclusive end of the IPv6 space. */
export const V6_END = 'g'
/** The exclusive end of the IPv4 space. */
export const V4_END = 2 ** 32

const MAPPED = '00000000000000000000ffff'
const HEX = '0123456789abcdef'
const HEX_CODES = Array.from(HEX, (c) => c.charCodeAt(0))
const ZERO = 48
const NINE = 57
const A = 97
const F = 102
/** Scratch space for the 32 character codes of a key being made. */
const CODES: number[] = Array<number>(32).fill(ZERO)

function keyFromCodes (): string {
  return String.fromCharCode(...CODES)
}

/** Dotted-quad IPv4 (decimal octets; leading zeros read as decimal) to a 32-bit number. */
export function parseV4 (text: string): number | undefined {
  let n = 0
  let octet = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + c - 48
      if (++digits > 3 || octet > 255) return undefined
    } else if (c === 46 && digits > 0 && dots < 3) {
      n = n * 256 + octet
      octet = 0
      digits = 0
      dots++
    } else {
      return undefined
    }
  }
  return dots === 3 && digits > 0 ? n * 256 + octet : undefined
}

const GROUP = /^[0-9a-f]{1,4}$/i

/**
 * Adds the groups of `a:b:c` to `groups`; the last part may be an IPv4 address (two groups) when
 * `v4Last`. False when a part is malformed. Split and a regex, not a loop over characters: native
 * calls are fast even before the JIT has warmed up, which is when start-up parses a long whitelist.
 */
function addGroups (part: string, groups: number[], v4Last: boolean): boolean {
  const pieces = part.split(':')
  for (let k = 0; k < pieces.length; k++) {
    const piece = pieces[k] as string
    if (GROUP.test(piece)) {
      groups.push(Number.parseInt(piece, 16))
      continue
    }
    const v4 = v4Last && k === pieces.length - 1 ? parseV4(piece) : undefined
    if (v4 === undefined) return false
    groups.push(v4 >>> 16, v4 & 0xffff)
  }
  return true
}

/** IPv6 text (the RFC 4291 section 2.2 forms, embedded IPv4 included) to its eight groups. */
function parseV6Groups (text: string): number[] | undefined {
  if (text.length < 2 || text.length > 45) return undefined
  const gap = text.indexOf('::')
  const groups: number[] = []
  if (gap === -1) return addGroups(text, groups, true) && groups.length === 8 ? groups : undefined
  const tail = text.slice(gap + 2)
  if (tail.includes('::')) return undefined
  const rest: number[] = []
  if ((gap > 0 && !addGroups(text.slice(0, gap), groups, false)) || (tail !== '' && !addGroups(tail, rest, true))) {
    return undefined
  }
  const missing = 8 - groups.length - rest.length
  // "::" stands for one or more groups of zeros.
  if (missing < 1) return undefined
  for (let k = 0; k < missing; k++) groups.push(0)
  for (const g of rest) groups.push(g)
  return groups
}

/** IPv6 text to its key (32 hex digits), or undefined. Zone ids (`%eth0`) are not addresses. */
export function parseV6 (text: string): string | undefined {
  const groups = parseV6Groups(text)
  return groups === undefined ? undefined : keyOfGroups(groups)
}

/** The key of eight 16-bit groups. */
export function keyOfGroups (groups: ArrayLike<number>): string {
  for (let i = 0; i < 8; i++) {
    const g = groups[i] as number
    CODES[4 * i] = HEX_CODES[g >> 12] as number
    CODES[4 * i + 1] = HEX_CODES[(g >> 8) & 15] as number
    CODES[4 * i + 2] = HEX_CODES[(g >> 4) & 15] as number
    CODES[4 * i + 3] = HEX_CODES[g & 15] as number
  }
  return keyFromCodes()
}

/**
 * Parses an address in any textual form; undefined for anything that is not an address.
 * @example parseAddress('::ffff:192.168.0.5') // { family: 4, value: 3232235525 }
 */
export function parseAddress (text: string): Address | undefined {
  const v4 = parseV4(text)
  if (v4 !== undefined) return { family: 4, value: v4 }
  const v6 = parseV6(text)
  if (v6 === undefined) return undefined
  if (v6.startsWith(MAPPED)) return { family: 4, value: Number.parseInt(v6.slice(24), 16) }
  return { family: 6, value: v6 }
}

/**
 * RFC 5952 section 4: lower-case groups without leading zeros, the longest run of two or more
 * zero groups (the first of equal runs) written as `::`. Written here rather than taken from
 * ipaddr.js, so that the command line's sub-commands do without loading it.
 */
function formatV6 (key: string): string {
  const groups: string[] = []
  let start = -1
  let length = 1
  let run = 0
  for (let i = 0; i < 8; i++) {
    const group = Number.parseInt(key.slice(i * 4, i * 4 + 4), 16)
    groups.push(group.toString(16))
    run = group === 0 ? run + 1 : 0
    if (run > length) {
      length = run
      start = i - run + 1
    }
  }
  return start < 0 ? groups.join(':') : `${groups.slice(0, start).join(':')}::${groups.slice(start + length).join(':')}`
}

/** The canonical text: dotted IPv4, RFC 5952 compressed IPv6. */
export function formatAddress (address: Address): string {
  if (address.family === 4) {
    const v = address.value
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
  }
  return formatV6(address.value)
}

/** The key after `key`, or V6_END after the last address. */
export function nextV6 (key: string): string {
  let i = key.length - 1
  while (i >= 0 && key.charCodeAt(i) === F) i--
  if (i < 0) return V6_END
  for (let k = 0; k < i; k++) CODES[k] = key.charCodeAt(k)
  const c = key.charCodeAt(i)
  CODES[i] = c === NINE ? A : c + 1
  CODES.fill(ZERO, i + 1)
  return keyFromCodes()
}

/** The first and last key of the /bits network holding `key`. */
export function prefixV6 (key: string, bits: number): { lo: string, hi: string } {
  const whole = bits >> 2
  const rest = bits & 3
  if (whole === 32) return { lo: key, hi: key }
  const c = key.charCodeAt(whole)
  const nibble = c <= NINE ? c - ZERO : c - A + 10
  const keep = (0xf0 >> rest) & 15
  for (let k = 0; k < whole; k++) CODES[k] = key.charCodeAt(k)
  CODES[whole] = HEX_CODES[nibble & keep] as number
  CODES.fill(ZERO, whole + 1)
  const lo = keyFromCodes()
  CODES[whole] = HEX_CODES[(nibble & keep) | (~keep & 15)] as number
  CODES.fill(F, whole + 1)
  return { lo, hi: keyFromCodes() }
}

/** Whether an IPv6 key lies in ::ffff:0:0/96, and the IPv4 address it carries. */
export function unmapV6 (key: string): number | undefined {
  return key.startsWith(MAPPED) ? Number.parseInt(key.slice(24), 16) : undefined
}
