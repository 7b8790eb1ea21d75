// Runs in a child process (see launchBrowser in dsg.mjs): launches the
// system Chromium as a Playwright browser server and prints its WebSocket
// endpoint as one JSON line on stdout; stays until stdin closes or it is
// sent SIGTERM.
//
// Why a separate process: with `clientCertificates`, Playwright routes the
// context's traffic through a proxy in the Node process that runs the
// browser, and that proxy makes the TLS connection to the gateway with
// Node's default trust store (it takes no `ca` option). This process is
// started, once the gateway and its CA exist, with `--use-openssl-ca` and
// SSL_CERT_FILE naming the gateway CA, so that store trusts it (see
// launchBrowser in dsg.mjs for why not NODE_EXTRA_CA_CERTS). The proxy
// verifies the gateway's certificate: the tests never set
// ignoreHTTPSErrors, so it connects with rejectUnauthorized.
//
// argv[2]: JSON { executablePath, home, args }.

import { chromium } from "playwright-core";

const { executablePath, home, args } = JSON.parse(process.argv[2]);
// The browser needs neither the Node trust setting nor the test runner's.
const { SSL_CERT_FILE, NODE_TEST_CONTEXT, ...browserEnv } = process.env;
const server = await chromium.launchServer({
  executablePath,
  env: { ...browserEnv, HOME: home },
  args,
  handleSIGTERM: false,
  handleSIGINT: false,
  handleSIGHUP: false,
});

let closing = false;
async function close() {
  if (closing) return;
  closing = true;
  await server.close().catch(() => {});
  process.exit(0);
}
process.on("SIGTERM", close);
process.on("SIGINT", close);
process.stdin.on("end", close);
process.stdin.on("close", close);
process.stdin.resume();

process.stdout.write(`${JSON.stringify({ wsEndpoint: server.wsEndpoint() })}\n`);
