/** The FieldFlow CRM node's "CRM ID → By URL" mode takes the record id out of each CRM's web links. */
import { CRM_RECORD_URL } from '../../../nodes/FieldFlowCrm/actions/common.descriptions';

describe('CRM ID by URL', () => {
	const re = new RegExp(CRM_RECORD_URL);
	it.each([
		['https://acme.lightning.force.com/lightning/r/Lead/00Q5g00000ABCDEFGH/view', '00Q5g00000ABCDEFGH'],
		['https://acme.my.salesforce.com/0035g00000XYZ12AAA', '0035g00000XYZ12AAA'],
		['https://na1.salesforce.com/0015g00000QQQQQAAA?srPos=0', '0015g00000QQQQQAAA'],
		['https://app.hubspot.com/contacts/4242/record/0-1/1234567890', '1234567890'],
		['https://app-eu1.hubspot.com/contacts/4242/record/0-3/987/', '987'],
		['https://acme.pipedrive.com/person/51', '51'],
		['https://acme.pipedrive.com/deal/7#notes', '7'],
	])('%s → %s', (url, id) => {
		expect(re.exec(url)?.[1]).toBe(id);
	});

	it('does not take an id out of an unrelated URL', () => {
		expect(re.exec('https://example.com/some/page')).toBeNull();
	});
});
