/**
 * A real (subset) SOQL parser and evaluator for the Salesforce sandbox.
 *
 * Supported: SELECT f1, f2 FROM Obj [WHERE cond] [ORDER BY f [ASC|DESC] [NULLS FIRST|LAST], ...]
 * [LIMIT n] [OFFSET n] [ALL ROWS]. Conditions: =, !=, <>, <, <=, >, >=, LIKE, [NOT] IN (...),
 * AND / OR / NOT, parentheses. Literals: 'strings' with backslash escapes, numbers, TRUE/FALSE,
 * NULL, date (2024-01-31) and datetime (2024-01-31T10:00:00Z, .000Z, +01:00) literals. Id and
 * reference values compare in their 15- or 18-character form. Dotted names (`Account.Name`) are
 * resolved by the caller (child-to-parent fields).
 * Errors are thrown as SoqlError(errorCode, message) so the sandbox can answer MALFORMED_QUERY /
 * INVALID_FIELD like Salesforce.
 */

import { to18 } from './schema';

export class SoqlError extends Error {
	constructor(
		public readonly errorCode: 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE' | 'INVALID_QUERY_FILTER_OPERATOR',
		message: string,
	) {
		super(message);
	}
}

type Tok =
	| { t: 'ident'; v: string }
	| { t: 'string'; v: string }
	| { t: 'number'; v: number }
	| { t: 'datetime'; v: number; raw: string }
	| { t: 'date'; v: string }
	| { t: 'op'; v: string }
	| { t: 'punct'; v: string };

export type Literal =
	| { kind: 'string'; value: string }
	| { kind: 'number'; value: number }
	| { kind: 'boolean'; value: boolean }
	| { kind: 'null' }
	| { kind: 'datetime'; value: number }
	| { kind: 'date'; value: string };

export type Cond =
	| { type: 'and' | 'or'; parts: Cond[] }
	| { type: 'not'; inner: Cond }
	| { type: 'cmp'; field: string; op: string; value: Literal }
	| { type: 'in'; field: string; negate: boolean; values: Literal[] };

export interface SoqlQuery {
	fields: string[];
	from: string;
	where?: Cond;
	orderBy: Array<{ field: string; desc: boolean; nullsLast: boolean }>;
	limit?: number;
	offset?: number;
	allRows: boolean;
}

const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;

function tokenize(src: string): Tok[] {
	const out: Tok[] = [];
	let i = 0;
	while (i < src.length) {
		const c = src[i];
		if (/\s/.test(c)) {
			i++;
			continue;
		}
		if (c === "'") {
			let s = '';
			i++;
			for (;;) {
				if (i >= src.length) throw new SoqlError('MALFORMED_QUERY', 'unexpected end of query: unterminated string literal');
				const ch = src[i];
				if (ch === '\\') {
					const n = src[i + 1];
					const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', "'": "'", '"': '"', '\\': '\\', '%': '\\%', _: '\\_' };
					if (n === undefined || !(n in map)) throw new SoqlError('MALFORMED_QUERY', `Invalid string literal '${src.slice(0, i + 2)}'. Illegal character sequence '\\${n ?? ''}' in string literal.`);
					s += map[n];
					i += 2;
					continue;
				}
				if (ch === "'") {
					i++;
					break;
				}
				s += ch;
				i++;
			}
			out.push({ t: 'string', v: s });
			continue;
		}
		const rest = src.slice(i);
		const dt = DATETIME_RE.exec(rest);
		if (dt) {
			let raw = dt[0];
			if (/[+-]\d{4}$/.test(raw)) raw = raw.slice(0, -2) + ':' + raw.slice(-2);
			const ms = Date.parse(raw);
			if (!Number.isFinite(ms)) throw new SoqlError('MALFORMED_QUERY', `line 1:${i} no viable alternative at character '${dt[0]}'`);
			out.push({ t: 'datetime', v: ms, raw: dt[0] });
			i += dt[0].length;
			continue;
		}
		const d = DATE_RE.exec(rest);
		if (d) {
			out.push({ t: 'date', v: d[0] });
			i += d[0].length;
			continue;
		}
		const num = /^-?\d+(\.\d+)?/.exec(rest);
		if (num) {
			out.push({ t: 'number', v: Number(num[0]) });
			i += num[0].length;
			continue;
		}
		const id = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(rest);
		if (id) {
			out.push({ t: 'ident', v: id[0] });
			i += id[0].length;
			continue;
		}
		const op = /^(<=|>=|!=|<>|=|<|>)/.exec(rest);
		if (op) {
			out.push({ t: 'op', v: op[0] === '<>' ? '!=' : op[0] });
			i += op[0].length;
			continue;
		}
		if (c === '(' || c === ')' || c === ',') {
			out.push({ t: 'punct', v: c });
			i++;
			continue;
		}
		throw new SoqlError('MALFORMED_QUERY', `line 1:${i} no viable alternative at character '${c}'`);
	}
	return out;
}

class Parser {
	private p = 0;
	constructor(private readonly toks: Tok[]) {}

	private peek(): Tok | undefined {
		return this.toks[this.p];
	}
	private next(): Tok {
		const t = this.toks[this.p++];
		if (!t) throw new SoqlError('MALFORMED_QUERY', 'unexpected token: <EOF>');
		return t;
	}
	private isKw(kw: string, t = this.peek()): boolean {
		return !!t && t.t === 'ident' && t.v.toUpperCase() === kw;
	}
	private expectKw(kw: string): void {
		const t = this.next();
		if (!this.isKw(kw, t)) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(t)}' (expected ${kw})`);
	}
	private expectPunct(p: string): void {
		const t = this.next();
		if (t.t !== 'punct' || t.v !== p) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(t)}' (expected '${p}')`);
	}
	private ident(): string {
		const t = this.next();
		if (t.t !== 'ident') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(t)}'`);
		return t.v;
	}

	parse(): SoqlQuery {
		this.expectKw('SELECT');
		const fields = [this.ident()];
		while (this.peek()?.t === 'punct' && this.peek()!.v === ',') {
			this.next();
			fields.push(this.ident());
		}
		this.expectKw('FROM');
		const from = this.ident();
		const q: SoqlQuery = { fields, from, orderBy: [], allRows: false };
		if (this.isKw('WHERE')) {
			this.next();
			q.where = this.orExpr();
		}
		if (this.isKw('ORDER')) {
			this.next();
			this.expectKw('BY');
			for (;;) {
				const field = this.ident();
				let desc = false;
				if (this.isKw('ASC')) this.next();
				else if (this.isKw('DESC')) {
					this.next();
					desc = true;
				}
				let nullsLast = desc;
				if (this.isKw('NULLS')) {
					this.next();
					const w = this.ident().toUpperCase();
					if (w !== 'FIRST' && w !== 'LAST') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${w}'`);
					nullsLast = w === 'LAST';
				}
				q.orderBy.push({ field, desc, nullsLast });
				if (this.peek()?.t === 'punct' && this.peek()!.v === ',') {
					this.next();
					continue;
				}
				break;
			}
		}
		if (this.isKw('LIMIT')) {
			this.next();
			const t = this.next();
			if (t.t !== 'number' || t.v < 0 || !Number.isInteger(t.v)) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(t)}'`);
			q.limit = t.v;
		}
		if (this.isKw('OFFSET')) {
			this.next();
			const t = this.next();
			if (t.t !== 'number' || t.v < 0) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(t)}'`);
			q.offset = t.v;
		}
		if (this.isKw('ALL')) {
			this.next();
			this.expectKw('ROWS');
			q.allRows = true;
		}
		const extra = this.peek();
		if (extra) throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(extra)}'`);
		return q;
	}

	private orExpr(): Cond {
		const parts = [this.andExpr()];
		while (this.isKw('OR')) {
			this.next();
			parts.push(this.andExpr());
		}
		return parts.length === 1 ? parts[0] : { type: 'or', parts };
	}
	private andExpr(): Cond {
		const parts = [this.notExpr()];
		while (this.isKw('AND')) {
			this.next();
			parts.push(this.notExpr());
		}
		return parts.length === 1 ? parts[0] : { type: 'and', parts };
	}
	private notExpr(): Cond {
		if (this.isKw('NOT')) {
			this.next();
			return { type: 'not', inner: this.notExpr() };
		}
		const t = this.peek();
		if (t?.t === 'punct' && t.v === '(') {
			this.next();
			const inner = this.orExpr();
			this.expectPunct(')');
			return inner;
		}
		const field = this.ident();
		if (this.isKw('NOT') || this.isKw('IN')) {
			let negate = false;
			if (this.isKw('NOT')) {
				this.next();
				negate = true;
			}
			this.expectKw('IN');
			this.expectPunct('(');
			const values = [this.literal()];
			while (this.peek()?.t === 'punct' && this.peek()!.v === ',') {
				this.next();
				values.push(this.literal());
			}
			this.expectPunct(')');
			return { type: 'in', field, negate, values };
		}
		if (this.isKw('LIKE')) {
			this.next();
			return { type: 'cmp', field, op: 'LIKE', value: this.literal() };
		}
		const op = this.next();
		if (op.t !== 'op') throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(op)}'`);
		return { type: 'cmp', field, op: op.v, value: this.literal() };
	}
	private literal(): Literal {
		const t = this.next();
		switch (t.t) {
			case 'string':
				return { kind: 'string', value: t.v };
			case 'number':
				return { kind: 'number', value: t.v };
			case 'datetime':
				return { kind: 'datetime', value: t.v };
			case 'date':
				return { kind: 'date', value: t.v };
			case 'ident': {
				const u = t.v.toUpperCase();
				if (u === 'NULL') return { kind: 'null' };
				if (u === 'TRUE' || u === 'FALSE') return { kind: 'boolean', value: u === 'TRUE' };
				throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${t.v}'`);
			}
			default:
				throw new SoqlError('MALFORMED_QUERY', `unexpected token: '${tokText(t)}'`);
		}
	}
}

function tokText(t: Tok): string {
	return t.t === 'string' ? `'${t.v}'` : t.t === 'datetime' ? t.raw : String(t.v);
}

export function parseSoql(src: string): SoqlQuery {
	return new Parser(tokenize(src)).parse();
}

/** What the evaluator needs to know about a field. */
export interface EvalField {
	name: string;
	type: string;
	filterable: boolean;
}

/** Resolve field names (case-insensitive) and check literal types like Salesforce does. */
export function checkQuery(q: SoqlQuery, objectName: string, resolve: (name: string) => EvalField | undefined): void {
	const noColumn = (f: string) =>
		new SoqlError('INVALID_FIELD', `\n${f}\n^\nERROR at Row:1:Column:1\nNo such column '${f}' on entity '${objectName}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`);
	for (const f of q.fields) if (!resolve(f)) throw noColumn(f);
	for (const o of q.orderBy) if (!resolve(o.field)) throw noColumn(o.field);
	const walk = (c: Cond): void => {
		if (c.type === 'and' || c.type === 'or') {
			c.parts.forEach(walk);
			return;
		}
		if (c.type === 'not') {
			walk(c.inner);
			return;
		}
		const leaf = c as Extract<Cond, { field: string }>;
		const def = resolve(leaf.field);
		if (!def) throw noColumn(leaf.field);
		if (!def.filterable) throw new SoqlError('INVALID_FIELD', `field '${def.name}' can not be filtered in a query call`);
		const values = leaf.type === 'in' ? leaf.values : [leaf.value];
		for (const v of values) {
			if (def.type === 'datetime' && v.kind !== 'datetime' && v.kind !== 'null') {
				throw new SoqlError(
					'INVALID_FIELD',
					`value of filter criterion for field '${def.name}' must be of type dateTime and should not be enclosed in quotes`,
				);
			}
			if (def.type === 'date' && v.kind !== 'date' && v.kind !== 'null') {
				throw new SoqlError('INVALID_FIELD', `value of filter criterion for field '${def.name}' must be of type date and should not be enclosed in quotes`);
			}
			if (leaf.type === 'cmp' && leaf.op === 'LIKE' && v.kind !== 'string') {
				throw new SoqlError('INVALID_QUERY_FILTER_OPERATOR', `invalid operator on field '${def.name}'`);
			}
		}
	};
	if (q.where) walk(q.where);
}

/**
 * A LIKE pattern without wildcards is case-insensitive equality (`Name LIKE 'Acme'`): its value,
 * unescaped, as the one key an index may look up; a pattern with `%` or `_` gives none.
 */
export function likeEquals(value: Literal): Literal[] {
	if (value.kind !== 'string') return [];
	let out = '';
	const p = value.value;
	for (let i = 0; i < p.length; i++) {
		const c = p[i];
		if (c === '\\' && (p[i + 1] === '%' || p[i + 1] === '_')) {
			out += p[++i];
		} else if (c === '%' || c === '_') return [];
		else out += c;
	}
	return [{ kind: 'string', value: out }];
}

function likeToRegex(pattern: string): RegExp {
	let re = '';
	for (let i = 0; i < pattern.length; i++) {
		const c = pattern[i];
		if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
			re += pattern[i + 1];
			i++;
		} else if (c === '%') re += '.*';
		else if (c === '_') re += '.';
		else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
	}
	return new RegExp(`^${re}$`, 'is');
}

function litValue(l: Literal): unknown {
	return l.kind === 'null' ? null : l.value;
}

function compare(a: unknown, b: unknown, fieldType: string): number {
	if (fieldType === 'datetime') {
		return toMs(a) - toMs(b);
	}
	if ((fieldType === 'id' || fieldType === 'reference') && typeof a === 'string' && typeof b === 'string') {
		// SOQL takes an id in its 15-character (case-sensitive) or 18-character (case-safe) form
		// (the ID field type, https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/field_types.htm#i1435616).
		const sa = idKey(a);
		const sb = idKey(b);
		return sa < sb ? -1 : sa > sb ? 1 : 0;
	}
	if (typeof a === 'number' && typeof b === 'number') return a - b;
	if (typeof a === 'boolean' || typeof b === 'boolean') return Number(a) - Number(b);
	const sa = String(a).toLowerCase();
	const sb = String(b).toLowerCase();
	return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function idKey(id: string): string {
	return (/^[A-Za-z0-9]{15}$/.test(id) ? to18(id) : id).toLowerCase();
}

function toMs(v: unknown): number {
	if (typeof v === 'number') return v;
	let s = String(v);
	if (/[+-]\d{4}$/.test(s)) s = s.slice(0, -2) + ':' + s.slice(-2);
	return Date.parse(s);
}

/** Evaluate a WHERE clause against a record (field values by canonical name). */
export function matches(c: Cond | undefined, get: (field: string) => unknown, typeOf: (field: string) => string): boolean {
	if (!c) return true;
	switch (c.type) {
		case 'and':
			return c.parts.every((p) => matches(p, get, typeOf));
		case 'or':
			return c.parts.some((p) => matches(p, get, typeOf));
		case 'not':
			return !matches(c.inner, get, typeOf);
		case 'in': {
			const v = get(c.field);
			const hit = c.values.some((l) => (l.kind === 'null' ? v == null : v != null && compare(v, litValue(l), typeOf(c.field)) === 0));
			return c.negate ? !hit : hit;
		}
		case 'cmp': {
			const v = get(c.field);
			const type = typeOf(c.field);
			if (c.value.kind === 'null') {
				if (c.op === '=') return v == null;
				if (c.op === '!=') return v != null;
				return false;
			}
			const lit = litValue(c.value);
			if (c.op === 'LIKE') return v != null && likeToRegex(String(lit)).test(String(v));
			if (v == null) return c.op === '!=';
			const d = compare(v, lit, type);
			switch (c.op) {
				case '=':
					return d === 0;
				case '!=':
					return d !== 0;
				case '<':
					return d < 0;
				case '<=':
					return d <= 0;
				case '>':
					return d > 0;
				case '>=':
					return d >= 0;
				default:
					return false;
			}
		}
	}
}

export function sortRows<T>(rows: T[], orderBy: SoqlQuery['orderBy'], get: (row: T, field: string) => unknown, typeOf: (field: string) => string): T[] {
	if (!orderBy.length) return rows;
	return [...rows].sort((a, b) => {
		for (const o of orderBy) {
			const va = get(a, o.field);
			const vb = get(b, o.field);
			if (va == null || vb == null) {
				if (va == null && vb == null) continue;
				const nullFirst = o.nullsLast ? 1 : -1;
				return va == null ? nullFirst : -nullFirst;
			}
			const d = compare(va, vb, typeOf(o.field));
			if (d !== 0) return o.desc ? -d : d;
		}
		return 0;
	});
}
