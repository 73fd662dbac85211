/**
 * Reads a QR code drawn in a terminal back into its text, as a phone's camera would: the half-block
 * characters are painted into a bitmap the way a light-on-dark terminal shows them (a block is
 * light, a space is the dark background), with dark terminal around it, and jsQR decodes that
 * picture. jsQR is told not to try the inverted picture, so a code drawn in the wrong colours fails.
 */
import jsqr from 'jsqr'

/** jsQR's types describe an ES module's default export; Node hands over its CommonJS exports, which hold it too. */
const jsQR = jsqr.default

const PIXELS = 6

/** Characters → modules (each character is one module wide and two high): true is light. */
function modules (lines: readonly string[]): boolean[][] {
  const rows: boolean[][] = []
  for (const line of lines) {
    const top: boolean[] = []
    const bottom: boolean[] = []
    for (const char of line) {
      top.push(char === '█' || char === '▀')
      bottom.push(char === '█' || char === '▄')
    }
    rows.push(top, bottom)
  }
  return rows
}

/** The text the QR code in `lines` holds, or undefined when it cannot be read. */
export function decodeTerminalQr (lines: readonly string[]): string | undefined {
  const grid = modules(lines)
  const margin = 4
  const width = (Math.max(...grid.map((r) => r.length)) + 2 * margin) * PIXELS
  const height = (grid.length + 2 * margin) * PIXELS
  const data = new Uint8ClampedArray(width * height * 4) // dark terminal everywhere: 0, 0, 0
  for (let i = 3; i < data.length; i += 4) data[i] = 255
  grid.forEach((row, y) => row.forEach((light, x) => {
    if (!light) return
    for (let dy = 0; dy < PIXELS; dy++) {
      for (let dx = 0; dx < PIXELS; dx++) {
        const at = (((y + margin) * PIXELS + dy) * width + (x + margin) * PIXELS + dx) * 4
        data[at] = data[at + 1] = data[at + 2] = 255
      }
    }
  }))
  return jsQR(data, width, height, { inversionAttempts: 'dontInvert' })?.data
}
