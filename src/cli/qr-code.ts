/**
 * A QR code of the first LAN address, drawn in the terminal at start-up for a phone's camera
 * (issue 15), with uqr (no dependencies, no colour codes). Two modules per character line (half
 * blocks), light modules drawn as blocks: right on the usual light-on-dark terminal, inverted on a
 * light one, which most phone cameras read as well. A quiet zone of two light modules goes round
 * it, since the terminal's own background is dark.
 */
import { renderUnicodeCompact } from 'uqr'

/** Light modules around the code: enough for phone cameras, and it keeps the code small. */
const QUIET_ZONE = 2

/** The lines of the code, top to bottom. */
export function qrCodeLines (url: string): string[] {
  return renderUnicodeCompact(url, { border: QUIET_ZONE }).split('\n')
}

