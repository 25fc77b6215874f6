// Starts a Bluesky network of @atproto/dev-env's TestNetwork: a PDS and PLC directory on
// PDS_PORT and PLC_PORT, with the AppView (bsky: profiles, threads, counts, mutes) and the
// moderation service (ozone: reports) the PDS proxies to, on PostgreSQL DB_POSTGRES_URL
// (schema DB_POSTGRES_SCHEMA) and Redis REDIS_HOST. Prints the addresses as one JSON line;
// stops when standard input closes. Run from the @atproto/dev-env install directory
// (deploy/local/ensure-pds.sh):
//   node --input-type=module -e "$(cat deploy/local/pds/start.mjs)"
import { TestNetwork } from '@atproto/dev-env'
const net = await TestNetwork.create({
  pds: { port: Number(process.env.PDS_PORT) },
  plc: { port: Number(process.env.PLC_PORT) },
  dbPostgresUrl: process.env.DB_POSTGRES_URL,
  dbPostgresSchema: process.env.DB_POSTGRES_SCHEMA,
})
console.log(JSON.stringify({
  pds: net.pds.url,
  plc: net.plc.url,
  appview: net.bsky.url,
  ozone: net.ozone.url,
}))
process.stdin.on('end', async () => { await net.close(); process.exit(0) })
process.stdin.resume()
