/** `node prepare-sillytavern.ts`: installs and warms the pinned SillyTavern (see ../helpers/sillytavern.ts). */
import { prepareSillyTavern } from '../helpers/sillytavern.js'

const { home } = await prepareSillyTavern()
console.log(`SillyTavern ready in ${home}`)
