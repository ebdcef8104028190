/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
		// ESM-only packages that n8n-core pulls in through @langchain/core (in-process node tests,
		// test/support/node-context.ts): Node 20.19+ can require() them, jest's module runtime cannot.
		'/node_modules/(p-retry|is-network-error)/.+\\.js$': ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', isolatedModules: true } }],
	},
	transformIgnorePatterns: ['/node_modules/(?!(p-retry|is-network-error)/)'],
	modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.n8n-runtime/'],
	// Sandboxes are real HTTP servers and the e2e suite starts real n8n: give them room.
	testTimeout: 60_000,
	maxWorkers: 2,
	// The e2e suites talk to child n8n processes over keep-alive sockets; never let a lingering
	// socket keep CI waiting after the last test.
	forceExit: true,
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
