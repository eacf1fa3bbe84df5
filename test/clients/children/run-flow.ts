/**
 * A client flow in a process of its own, for ways in that a client reads from its environment at
 * launch (HTTPS_PROXY, NODE_EXTRA_CA_CERTS): `node --import tsx run-flow.ts <client> <flow> <input JSON>`.
 * Prints one JSON line: the flow's report, or `{"crashed": …}`.
 */
import type { FlowInput, FlowName, FlowReport } from '../flows/data.js';

const [client, flow, inputJson] = process.argv.slice(2);

async function run(): Promise<FlowReport> {
  const input = JSON.parse(inputJson ?? '{}') as FlowInput;
  if (client === 'business-sdk') return (await import('../flows/business-sdk.js')).runBusinessSdkFlow(flow as FlowName, input);
  if (client === 'fbgraph') return (await import('../flows/fbgraph.js')).runFbgraphFlow(flow as FlowName, input);
  if (client === 'fb') return (await import('../flows/fb.js')).runFbFlow(flow as FlowName, input);
  throw new Error(`unknown client ${client}`);
}

run().then(
  (report) => {
    process.stdout.write(JSON.stringify(report) + '\n');
    process.exit(0);
  },
  (e: unknown) => {
    const err = e as Error;
    process.stdout.write(JSON.stringify({ crashed: `${err?.name}: ${err?.message}`, stack: err?.stack }) + '\n');
    process.exit(0);
  },
);
