/**
 * `npm run sandboxes`: start the four sandboxes with demo data on 127.0.0.1:4010-4013 until Ctrl-C.
 * Each one is driven over HTTP at <url>/__sandbox/{calls,reset,faults,latency,seed,state}.
 */
import { startSandboxes } from './index';

async function main(): Promise<void> {
	const basePort = Number(process.env.SANDBOX_BASE_PORT ?? 4010);
	const s = await startSandboxes({ basePort, sample: true });
	for (const name of ['fieldflow', 'salesforce', 'hubspot', 'pipedrive'] as const) {
		process.stdout.write(`${name.padEnd(10)} ${s[name].url}\n`);
	}
	const stop = async () => {
		await s.stop();
		process.exit(0);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

main().catch((err) => {
	process.stderr.write(`${err?.stack ?? err}\n`);
	process.exit(1);
});
