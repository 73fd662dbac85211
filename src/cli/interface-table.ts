/**
 * This computer's network interfaces, read so that a failure is a hint and never a crash (issue
 * 15): on Android 10 and later, Node's os.networkInterfaces() throws ("uv_interface_addresses
 * returned Unknown system error 13") for apps such as Termux.
 */
import type { Interfaces } from '../server/listen-plan.js'

export interface InterfaceTable {
  readonly interfaces: Interfaces
  /** Why the table could not be read; undefined when it was. */
  readonly error: string | undefined
}

/**
 * Only this computer's own IPv4 loopback, when nothing else is known: `protocol: auto` then
 * listens on IPv4 (which every system has), and no address of another device is guessed.
 */
const LOOPBACK_ONLY: Interfaces = {
  lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }]
}

/**
 * @param read os.networkInterfaces, or a stand-in
 * @example readInterfaces(networkInterfaces).interfaces.lo
 */
export function readInterfaces (read: () => Interfaces): InterfaceTable {
  try {
    return { interfaces: read(), error: undefined }
  } catch (error) {
    return { interfaces: LOOPBACK_ONLY, error: (error as Error).message }
  }
}

/** Why the addresses are missing, and how to find the one to type instead. */
export function interfaceHint (error: string, port: number, tls: boolean): string {
  return `Cannot list this computer's network addresses (${error}; Android 10 and later do not let apps such as Termux read them), ` +
    'so the addresses to type on another device are not shown. Find this device\'s address in its Wi-Fi settings (on Android: Settings, Network, Wi-Fi, the network you are on), ' +
    `then open ${tls ? 'https' : 'http'}://<that address>:${port}/ on the other device.`
}
