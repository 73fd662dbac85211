/**
 * IP addresses as sortable keys: IPv4 as a 32-bit number, IPv6 as its 32 lower-case hex digits
 * (string order is numeric order, and no BigInt is made per request). IPv4-mapped IPv6
 * (`::ffff:192.168.0.5`, `::ffff:c0a8:5`) is read as the IPv4 address it carries.
 */
import ipaddr from 'ipaddr.js'

export type Address = { family: 4, value: number } | { family: 6, value: string }

/** Sorts after every IPv6 key: the exclusive end of the IPv6 space. */
export const V6_END = 'g'
/** The exclusive end of the IPv4 space. */
export const V4_END = 2 ** 32

const MAPPED = '00000000000000000000ffff'
const HEX = '0123456789abcdef'
const BYTE_HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'))

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

function hexDigit (c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** IPv6 text (the RFC 4291 section 2.2 forms, embedded IPv4 included) to its eight groups. */
function parseV6Groups (text: string): number[] | undefined {
  const n = text.length
  if (n < 2 || n > 45) return undefined
  const groups: number[] = []
  let gap = -1
  let i = 0
  if (text.startsWith('::')) {
    gap = 0
    i = 2
  }
  while (i < n) {
    const start = i
    let value = 0
    let digits = 0
    for (let d = hexDigit(text.charCodeAt(i)); d !== -1 && i < n; d = hexDigit(text.charCodeAt(++i))) {
      value = value * 16 + d
      if (++digits > 4) return undefined
    }
    if (text.charCodeAt(i) === 46) { // an embedded IPv4 address makes the last two groups
      const v4 = parseV4(text.slice(start))
      if (v4 === undefined) return undefined
      groups.push(v4 >>> 16, v4 & 0xffff)
      break
    }
    if (digits === 0) return undefined
    groups.push(value)
    if (i === n) break
    if (text.charCodeAt(i) !== 58) return undefined
    i++
    if (text.charCodeAt(i) === 58) {
      if (gap !== -1) return undefined
      gap = groups.length
      i++
    } else if (i === n) {
      return undefined // a single trailing colon
    }
  }
  if (gap === -1 ? groups.length !== 8 : groups.length > 7) return undefined
  if (gap !== -1) groups.splice(gap, 0, ...Array<number>(8 - groups.length).fill(0))
  return groups
}

/** IPv6 text to its key (32 hex digits), or undefined. Zone ids (`%eth0`) are not addresses. */
export function parseV6 (text: string): string | undefined {
  const groups = parseV6Groups(text)
  if (groups === undefined) return undefined
  let key = ''
  for (const g of groups) key += (BYTE_HEX[g >> 8] as string) + BYTE_HEX[g & 255]
  return key
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

/** The canonical text: dotted IPv4, RFC 5952 compressed IPv6. */
export function formatAddress (address: Address): string {
  if (address.family === 4) {
    const v = address.value
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`
  }
  const parts = Array.from({ length: 8 }, (_, i) => Number.parseInt(address.value.slice(i * 4, i * 4 + 4), 16))
  return new ipaddr.IPv6(parts).toString()
}

/** The key after `key`, or V6_END after the last address. */
export function nextV6 (key: string): string {
  let i = key.length - 1
  while (i >= 0 && key[i] === 'f') i--
  if (i < 0) return V6_END
  return key.slice(0, i) + HEX[HEX.indexOf(key[i] as string) + 1] + '0'.repeat(key.length - 1 - i)
}

/** The first and last key of the /bits network holding `key`. */
export function prefixV6 (key: string, bits: number): { lo: string, hi: string } {
  const whole = bits >> 2
  const rest = bits & 3
  if (whole === 32) return { lo: key, hi: key }
  const nibble = HEX.indexOf(key[whole] as string)
  const keep = (0xf0 >> rest) & 15
  return {
    lo: key.slice(0, whole) + HEX[nibble & keep] + '0'.repeat(31 - whole),
    hi: key.slice(0, whole) + HEX[(nibble & keep) | (~keep & 15)] + 'f'.repeat(31 - whole)
  }
}

/** Whether an IPv6 key lies in ::ffff:0:0/96, and the IPv4 address it carries. */
export function unmapV6 (key: string): number | undefined {
  return key.startsWith(MAPPED) ? Number.parseInt(key.slice(24), 16) : undefined
}
