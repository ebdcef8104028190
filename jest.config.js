/** @type {import('jest').Config} */
module.exports = {
	testEnvironment: 'node',
	roots: ['<rootDir>/test'],
	testMatch: ['**/*.test.ts'],
	transform: {
		'^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }],
	},
	modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.n8n-runtime/'],
	// Sandboxes are real HTTP servers and the e2e suite starts real n8n: give them room.
	testTimeout: 60_000,
	maxWorkers: 2,
	// The e2e suites talk to child n8n processes over keep-alive sockets; never let a lingering
	// socket keep CI waiting after the last test.
	forceExit: true,
	reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
