// Starts a Bluesky PDS and PLC directory (@atproto/dev-env's TestNetworkNoAppView) on
// PDS_PORT and PLC_PORT, and prints their addresses as one JSON line. Stops when standard
// input closes. Run from the @atproto/dev-env install directory (deploy/local/ensure-pds.sh):
//   node --input-type=module -e "$(cat deploy/local/pds/start.mjs)"
import { TestNetworkNoAppView } from '@atproto/dev-env'
const net = await TestNetworkNoAppView.create({
  pds: { port: Number(process.env.PDS_PORT) },
  plc: { port: Number(process.env.PLC_PORT) },
})
console.log(JSON.stringify({ pds: net.pds.url, plc: net.plc.url }))
process.stdin.on('end', async () => { await net.close(); process.exit(0) })
process.stdin.resume()
