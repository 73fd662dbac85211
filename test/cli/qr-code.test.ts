import t from 'tap'
import { drawQrCode } from '../../src/cli/banner.js'
import { qrCodeLines } from '../../src/cli/qr-code.js'
import { decodeTerminalQr } from '../helpers/qr-decode.js'

t.test('the QR code drawn in the terminal reads back as the URL, for a light-on-dark terminal', async (t) => {
  for (const url of ['http://192.168.1.20:8000/', 'https://[fd00::20]:8443/', 'https://100.101.102.103:65535/']) {
    const lines = qrCodeLines(url)
    t.equal(decodeTerminalQr(lines), url, url)
    t.ok(lines.every((line) => /^[ █▀▄]+$/.test(line)), 'half blocks and spaces only: no colour codes')
  }
})

t.test('the decoder reads nothing from a code drawn inverted or broken, so the test above can fail', async (t) => {
  const lines = qrCodeLines('http://192.168.1.20:8000/')
  const inverted = lines.map((line) => [...line].map((c) => ({ '█': ' ', ' ': '█', '▀': '▄', '▄': '▀' })[c] ?? c).join(''))
  t.equal(decodeTerminalQr(inverted), undefined, 'colours swapped')
  t.equal(decodeTerminalQr(lines.slice(0, 8)), undefined, 'cut in half')
})

t.test('auto draws it on a terminal only; true and false decide', async (t) => {
  t.equal(drawQrCode('auto', true), true)
  t.equal(drawQrCode('auto', false), false)
  t.equal(drawQrCode(true, false), true)
  t.equal(drawQrCode(false, true), false)
})
