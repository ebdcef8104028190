import { sandboxRateOverride } from '../../../nodes/n8nSide/transport/crm';

describe('FIELDFLOW_SANDBOX_RATE_PER_SECOND (benchmarks against the local sandboxes)', () => {
	const env = (v?: string) => ({ FIELDFLOW_SANDBOX_RATE_PER_SECOND: v });

	it('is ignored unless set to a number ≥ 0', () => {
		expect(sandboxRateOverride({ baseUrl: 'http://127.0.0.1:4011' }, {})).toEqual({});
		expect(sandboxRateOverride({ baseUrl: 'http://127.0.0.1:4011' }, env(''))).toEqual({});
		expect(sandboxRateOverride({ baseUrl: 'http://127.0.0.1:4011' }, env('fast'))).toEqual({});
		expect(sandboxRateOverride({ baseUrl: 'http://127.0.0.1:4011' }, env('-1'))).toEqual({});
	});

	it('applies to loopback base URLs only: a real CRM keeps the vendor throttle', () => {
		expect(sandboxRateOverride({ baseUrl: 'https://acme.my.salesforce.com' }, env('50'))).toEqual({});
		expect(sandboxRateOverride({ baseUrl: 'https://127.0.0.1.evil.example' }, env('50'))).toEqual({});
		expect(sandboxRateOverride({}, env('50'))).toEqual({});
		expect(sandboxRateOverride({ baseUrl: 'http://localhost:4013' }, env('50'))).toEqual({
			salesforce: { ratePerSecond: 50 },
			hubspot: { ratePerSecond: 50, searchRatePerSecond: 50 },
			pipedrive: { ratePerSecond: 50 },
		});
	});

	it('0 turns the throttle off (a rate no sandbox reaches, never a bucket that never refills)', () => {
		const o = sandboxRateOverride({ baseUrl: 'http://127.0.0.1:4012' }, env('0'));
		expect(o.hubspot?.ratePerSecond).toBeGreaterThanOrEqual(1_000_000);
		expect(o.pipedrive?.ratePerSecond).toBeGreaterThanOrEqual(1_000_000);
	});
});
